"""Change events across replicas: broadcaster publish/subscribe, encoding, local fan-out."""
