"""Maker tooling: flash MicroPython (esptool), deploy the firmware (mpy-cross, mpremote), and
check a workstation's setup (doctor)."""
