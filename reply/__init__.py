"""Tanggapan: answering citizens, the stage after the dashboard (issue 20).

Response metrics over what the stores already show (``reply.metrics``), drafts from the editable
templates in data/replies.toml (``reply.drafts``), the draft -> approved -> sent | failed workflow with
its audit trail (``reply.workflow``), and posting through the stores' official APIs (``reply.play``,
``reply.appstore``, driven by ``reply.send``). It reads and writes the store through ``suara.store``;
nothing here is imported by nlp/ or ingest/, and the nightly job never sends.
"""
