"""Transports: one interface to BLE, serial, the virtual board and file replay."""
