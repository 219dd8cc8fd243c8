"""The chip models behind the `machine` shim behave like hardware on a MicroPython board."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from kyphos.sim import chips


@pytest.fixture
def machine(virtual_clock: Any) -> Any:
    import machine as m  # the shim, importable once the firmware shims are installed

    m.reset_state()
    yield m
    m.reset_state()


def test_scan_and_missing_device_errors(machine: Any) -> None:
    machine.attach(0, chips.MPU6050(0x68))
    machine.attach(0, chips.LSM6DSOX(0x6B))
    i2c = machine.I2C(0, scl=machine.Pin(6), sda=machine.Pin(5), freq=400_000)
    assert i2c.scan() == [0x68, 0x6B]
    assert machine.I2C(1).scan() == []
    with pytest.raises(OSError) as e:
        i2c.readfrom_mem(0x6A, 0x0F, 1)
    assert e.value.args[0] == 19  # ENODEV, as the ESP32 port reports a missing ACK


def test_a_failing_transfer_raises_once(machine: Any) -> None:
    chip = chips.LSM6DS3TRC(0x6A)
    machine.attach(0, chip)
    i2c = machine.I2C(0)
    chip.fail_next = 1
    with pytest.raises(OSError):
        i2c.readfrom_mem(0x6A, 0x0F, 1)
    assert i2c.readfrom_mem(0x6A, 0x0F, 1) == b"\x6a"


def test_fifo_fills_at_the_rate_of_the_board_clock(machine: Any, virtual_clock: Any) -> None:
    chip = chips.MPU6500(0x68)
    machine.attach(0, chip)
    i2c = machine.I2C(0)
    for reg, val in ((0x6B, 1), (0x19, 9), (0x1A, 3), (0x23, 0x78), (0x6A, 0x40)):
        i2c.writeto_mem(0x68, reg, bytes([val]))
    virtual_clock.advance_us(250_000)
    buf = bytearray(2)
    i2c.readfrom_mem_into(0x68, 0x72, buf)
    assert struct.unpack(">H", buf)[0] == 25 * 12
    virtual_clock.advance_us(100_000)
    assert struct.unpack(">H", i2c.readfrom_mem(0x68, 0x72, 2))[0] == 35 * 12


def test_chip_interrupt_line_fires_a_pin_irq(machine: Any, virtual_clock: Any) -> None:
    chip = chips.LSM6DSOX(0x6A)
    machine.attach(0, chip)
    chip.on_int1 = lambda level: machine.drive(4, level)
    pin = machine.Pin(4, machine.Pin.IN)
    seen: list[int] = []
    pin.irq(handler=lambda p: seen.append(p.value()), trigger=machine.Pin.IRQ_RISING)
    i2c = machine.I2C(0)
    i2c.writeto_mem(0x6A, chips.CTRL1_XL, b"\x40")  # 104 Hz
    i2c.writeto_mem(0x6A, chips.FIFO_CTRL1_DSOX, bytes([10, 0, 0x44, 0x06]))
    i2c.writeto_mem(0x6A, chips.INT1_CTRL, b"\x08")  # watermark on INT1
    virtual_clock.advance_us(30_000)
    i2c.readfrom_mem(0x6A, chips.FIFO_STATUS1, 2)
    assert seen == []  # 6 words < 10
    virtual_clock.advance_us(30_000)
    i2c.readfrom_mem(0x6A, chips.FIFO_STATUS1, 2)
    assert seen == [1] and pin.value() == 1


def test_pwm_adc_timer_wdt_and_reset(machine: Any, virtual_clock: Any) -> None:
    pwm = machine.PWM(machine.Pin(2), freq=200, duty_u16=32768)
    assert pwm.freq() == 200 and pwm.duty_u16() == 32768 and pwm.duty() == 511
    pwm.deinit()
    assert pwm.duty_u16() == 0
    machine.set_adc_uv(1, 1_600_000)
    adc = machine.ADC(machine.Pin(1), atten=machine.ADC.ATTN_11DB)
    assert adc.read_uv() == 1_600_000
    assert abs(adc.read_u16() - 1_600_000 * 65535 // 3_100_000) <= 1
    ticks: list[int] = []
    machine.Timer(0, mode=machine.Timer.PERIODIC, period=100, callback=lambda t: ticks.append(1))
    virtual_clock.advance_us(350_000)
    assert machine.run_timers() == 3
    wdt = machine.WDT(timeout=1000)
    virtual_clock.advance_us(900_000)
    wdt.feed()
    virtual_clock.advance_us(900_000)
    assert not machine.wdt_expired()
    virtual_clock.advance_us(200_000)
    assert machine.wdt_expired()
    assert len(machine.unique_id()) == 6
    with pytest.raises(machine.ResetRequested):
        machine.reset()
    assert machine.reset_cause() == machine.HARD_RESET
