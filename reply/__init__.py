"""Tanggapan: answering citizens, the stage after the dashboard (issue 20).

Response metrics over what the stores already show (``reply.metrics``), drafts from the editable
templates in data/replies.toml (``reply.drafts``), the draft -> approved -> sent | failed workflow with
its audit trail (``reply.workflow``), who may do what (``reply.roles``), and posting through the stores'
official APIs (``reply.clients``, driven by ``reply.send``; an App Store review read from the public
feed is answered under its App Store Connect id, ``reply.twins``). It reads and writes the store through
``suara.store``; nlp/ imports nothing from here, and the nightly job never sends.
"""
