"""For developers: the command line, the servers, training and models, the retraining gate, ingestion."""
