"""Publishing records with their accepted enrichments: OAI-PMH (oai_dc, EDM), OSLO JSON-LD, LDES."""
