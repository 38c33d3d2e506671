"""Named-entity recognition: reading labelled CoNLL/BIO data and scoring recognisers on it."""
