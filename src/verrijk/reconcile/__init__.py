"""The W3C Entity Reconciliation API 0.2 (as OpenRefine calls it) over verrijk's authorities.

`protocol` reads and checks what clients send, `properties` compares and renders entry properties, `service`
answers manifest, reconciliation, suggest, preview and data-extension requests for one authority index. The HTTP
side (CORS, JSONP, keys) lives in `verrijk.api.routers.reconcile`.
"""
