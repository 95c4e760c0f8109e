"""Backfills: ``riskmap batch read`` turns article shards into GeoParquet, ``batch load`` stores it.

Reading (geoparse and incidents, the costly part) runs in this process or on a Dask cluster;
loading goes through the same :class:`service.storage.Store` as the API, so dedup and
idempotency are the API's. The modules, in the order data flows through them:

* :mod:`~service.batch.inputs`: find the shards (JSON Lines or Parquet) and check their rows;
* :mod:`~service.batch.tables`: readings to typed Arrow tables (GeoParquet) and back;
* :mod:`~service.batch.read`: read shards, write date partitions, then the manifest;
* :mod:`~service.batch.cluster`: the same work on Dask workers (the only module importing dask);
* :mod:`~service.batch.manifest`: what a finished batch holds (written last, read first);
* :mod:`~service.batch.load`: a finished batch into the served database.
"""
