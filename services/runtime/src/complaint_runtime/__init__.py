"""What every complaint service runs on."""
