"""The virtual air: bumble controllers on one link, with faults to inject.

In one process (tests, ``kyphos demo``)::

    radio = VirtualRadio()
    ble = await radio.peripheral("C4:11:22:33:44:55")   # bluetooth.BLE() for the firmware
    adapter = await radio.central()                      # for the bleak backend
    use_adapter(adapter)                                 # bleak calls now use this radio

Across processes (``kyphos sim`` in one terminal, ``kyphos scan``/``live`` in another):
the process that owns the air calls ``await radio.serve(port)``; every TCP client on
127.0.0.1:port gets its own fresh controller on the link (one adapter per host
process) and speaks HCI over the socket (bumble's ``tcp-client:`` transport). When a
client goes away its links are terminated, as when a USB dongle is unplugged.
``python -m kyphos.sim.radio --port 9741`` runs an air with no device on it; a
peripheral in another process joins with :func:`peripheral_over_transport`.

Faults for reliability tests (all on the air, so both sides see them):
:meth:`VirtualRadio.drop_link` (nothing on air for N s; supervision timeout at once or
after ``detect_s``),
:meth:`VirtualRadio.set_connection_interval` (slower drain of notifications, with
``_IRQ_CONNECTION_UPDATE``), :meth:`VirtualRadio.corrupt_notifications` (next N
notifications get a flipped byte).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import sys
from typing import Any

from bumble import hci, ll
from bumble.controller import Controller
from bumble.core import PhysicalTransport
from bumble.device import Device
from bumble.host import Host
from bumble.keys import MemoryKeyStore
from bumble.link import LocalLink
from bumble.transport import open_transport
from bumble.transport.common import AsyncPipeSink, StreamPacketSource

from kyphos.sim.shims import bluetooth
from kyphos.transport.bumble_backend import DEFAULT_TRANSPORT, BumbleAdapter

LOCALHOST = "127.0.0.1"
DEFAULT_PORT = int(DEFAULT_TRANSPORT.rsplit(":", 1)[1])  # where host processes look first
_SUPERVISION_TIMEOUT = 0x08  # HCI "connection timeout"
_REMOTE_TERMINATED = 0x13


class FaultyLink(LocalLink):
    """bumble's LocalLink that can go silent (nothing delivered while it is down)."""

    def __init__(self) -> None:
        super().__init__()
        self.down_until = 0.0

    def is_down(self) -> bool:
        return asyncio.get_running_loop().time() < self.down_until

    def _receiver(self, sender: Any, receiver: Any) -> Controller | None:
        """The controller whose connection links ``receiver`` (its own address) to
        ``sender``: host processes share one identity address (like one OS adapter), so
        the address alone does not say which of them is meant."""
        for controller in self.controllers:
            connection = controller.le_connections.get(sender)
            if connection is not None and connection.self_address == receiver:
                return controller
        return None

    def send_acl_data(self, sender_controller: Any, destination_address: Any, transport: Any, data: bytes) -> None:
        if self.is_down():
            return
        if transport == PhysicalTransport.LE:
            # The sender's address on its connection to the destination: bumble's LocalLink
            # always sends from the random address, so a controller on its public address
            # (NimBLE on the MicroPython runtime advertises on it) reached nobody
            # ("no connection for 00:00:00:00:00:00"; notes/feasibility.md).
            own = sender_controller.le_connections.get(destination_address)
            source = own.self_address if own is not None else sender_controller.random_address
            target = self._receiver(source, destination_address)
            if target is not None:
                asyncio.get_running_loop().call_soon(
                    target.on_link_acl_data, source, transport, data
                )
                return
        super().send_acl_data(sender_controller, destination_address, transport, data)

    def send_advertising_pdu(self, sender_controller: Any, packet: Any) -> None:
        if self.is_down():
            return
        # bumble's LL PDU has no scan response: carry the advertiser's along with it.
        if isinstance(packet, ll.AdvInd):
            setattr(  # noqa: B010
                packet,
                "kyphos_scan_response",
                bytes(sender_controller.le_legacy_advertiser.scan_response_data),
            )
        elif isinstance(packet, ll.AdvExtInd):
            for adv_set in sender_controller.advertising_sets.values():
                if adv_set.address == packet.advertiser_address and adv_set.enabled:
                    setattr(  # noqa: B010
                        packet, "kyphos_scan_response", bytes(adv_set.scan_response_data)
                    )
        super().send_advertising_pdu(sender_controller, packet)

    def send_ll_control_pdu(self, sender_address: Any, receiver_address: Any, packet: Any) -> None:
        if self.is_down():
            return
        target = self._receiver(sender_address, receiver_address)
        if target is not None:
            asyncio.get_running_loop().call_soon(
                target.on_ll_control_pdu, sender_address, packet
            )
            return
        super().send_ll_control_pdu(sender_address, receiver_address, packet)

    def time_out_connections(self) -> None:
        """Every controller loses every LE connection (supervision timeout)."""
        for controller in list(self.controllers):
            for connection in list(controller.le_connections.values()):
                controller.on_le_disconnected(connection, _SUPERVISION_TIMEOUT)


class _RadioController(Controller):
    """bumble's Controller, answering active scans with the real scan response, and
    resolving private addresses as a real controller's link layer does.

    (bumble's virtual controller reports the advertising data twice; a name put in
    the scan response, as the firmware must, would never be seen. Its resolving-list
    commands are accepted and ignored, so a host that leaves address resolution to the
    controller, as NimBLE does, never recognises a bonded central on a resolvable private
    address: here HCI_LE_Add_Device_To_Resolving_List is kept, and while address
    resolution is enabled an incoming connection from an RPA that one of those IRKs
    resolves is reported with the peer's identity address, Core spec Vol 6 Part B 6.4.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resolving: list[tuple[bytes, hci.Address]] = []  # (peer IRK, identity address)

    def on_hci_le_add_device_to_resolving_list_command(self, command: Any) -> Any:
        identity = _device_address(command.peer_identity_address,
                                   command.peer_identity_address_type)
        irk = bytes(command.peer_irk)
        self.resolving = [e for e in self.resolving if e[1] != identity]
        if any(irk):
            self.resolving.append((irk, identity))
        return super().on_hci_le_add_device_to_resolving_list_command(command)

    def on_hci_le_clear_resolving_list_command(self, command: Any) -> Any:
        self.resolving = []
        return super().on_hci_le_clear_resolving_list_command(command)

    def _identity_of(self, address: hci.Address) -> hci.Address | None:
        if not self.le_address_resolution or not address.is_resolvable:
            return None
        from bumble import smp

        return smp.AddressResolver(self.resolving).resolve(address)

    def on_le_connect_ind(self, packet: Any) -> None:
        identity = self._identity_of(packet.initiator_address)
        if identity is None:
            super().on_le_connect_ind(packet)
            return
        send = self.send_hci_packet

        def rewrite(packet: Any) -> None:
            if isinstance(packet, hci.HCI_LE_Connection_Complete_Event):
                packet = hci.HCI_LE_Connection_Complete_Event(
                    status=packet.status,
                    connection_handle=packet.connection_handle,
                    role=packet.role,
                    peer_address_type=identity.address_type & 1,
                    peer_address=_device_address(identity),
                    connection_interval=packet.connection_interval,
                    peripheral_latency=packet.peripheral_latency,
                    supervision_timeout=packet.supervision_timeout,
                    central_clock_accuracy=packet.central_clock_accuracy,
                )
            send(packet)

        self.send_hci_packet = rewrite  # type: ignore[method-assign]
        try:
            super().on_le_connect_ind(packet)
        finally:
            del self.send_hci_packet

    def on_advertising_pdu(self, pdu: Any) -> None:
        response = getattr(pdu, "kyphos_scan_response", None)
        if response is None:
            super().on_advertising_pdu(pdu)
            return
        send = self.send_hci_packet

        def rewrite(packet: Any) -> None:
            if isinstance(packet, hci.HCI_LE_Extended_Advertising_Report_Event):
                ext = packet.reports[0]
                if ext.event_type & report_scan_bit:
                    if not response:
                        return
                    packet = hci.HCI_LE_Extended_Advertising_Report_Event(
                        [dataclasses.replace(ext, data=response)]
                    )
            elif isinstance(packet, hci.HCI_LE_Advertising_Report_Event):
                legacy = packet.reports[0]
                if legacy.event_type == hci.HCI_LE_Advertising_Report_Event.EventType.SCAN_RSP:
                    if not response:
                        return
                    packet = hci.HCI_LE_Advertising_Report_Event(
                        [dataclasses.replace(legacy, data=response)]
                    )
            send(packet)

        report_scan_bit = hci.HCI_LE_Extended_Advertising_Report_Event.EventType.SCAN_RESPONSE
        self.send_hci_packet = rewrite  # type: ignore[method-assign]
        try:
            super().on_advertising_pdu(pdu)
        finally:
            del self.send_hci_packet


def _device_address(address: Any, address_type: int | None = None) -> hci.Address:
    """``address`` as a public (type 0) or random (type 1) device address: identity types
    (2, 3) map to their device types."""
    kind = address.address_type if address_type is None else address_type
    return hci.Address(
        bytes(address),
        hci.Address.RANDOM_DEVICE_ADDRESS if kind & 1 else hci.Address.PUBLIC_DEVICE_ADDRESS,
    )


def _public_address(seed: str) -> str:
    raw = hashlib.sha256(seed.encode()).digest()[:6]
    return ":".join(f"{b:02X}" for b in raw)


class _HostSink:
    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport

    def on_packet(self, packet: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(packet)


class _HciServerProtocol(asyncio.Protocol):
    """One TCP client = one host = one fresh controller on the air."""

    def __init__(self, radio: VirtualRadio) -> None:
        self.radio = radio
        self.source = StreamPacketSource()
        self.controller: Controller | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.controller = self.radio.controller(
            f"tcp{len(self.radio.link.controllers)}",
            host_source=self.source,
            host_sink=_HostSink(transport),
        )

    def data_received(self, data: bytes) -> None:
        self.source.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        controller = self.controller
        if controller is None:
            return
        for connection in list(controller.le_connections.values()):
            connection.send_ll_control_pdu(ll.TerminateInd(_REMOTE_TERMINATED))
        controller.le_connections.clear()
        if controller in self.radio.link.controllers:
            self.radio.link.remove_controller(controller)
        self.controller = None


class VirtualRadio:
    """One virtual air (a :class:`FaultyLink`) and the devices on it."""

    def __init__(self, model: bluetooth.LinkModel | None = None) -> None:
        self.link = FaultyLink()
        self.model = model or bluetooth.LinkModel()
        self._servers: list[asyncio.AbstractServer] = []
        self._adapters: list[BumbleAdapter] = []
        self._count = 0

    def controller(self, name: str, **kwargs: Any) -> Controller:
        self._count += 1
        return _RadioController(
            name, link=self.link, public_address=_public_address(f"{name}{self._count}"), **kwargs
        )

    async def peripheral(self, address: str, name: str = "kyphos") -> bluetooth.BLE:
        """A powered-on bumble Device on this air, bound to ``bluetooth.BLE()``."""
        controller = self.controller(f"board-{address}")
        host = Host(controller, AsyncPipeSink(controller))
        return await _attach_device(host, address, name, self.model)

    async def central(
        self,
        address: str = "C0:00:00:00:C0:01",
        keystore: Any = None,
        *,
        pairing: str = "numeric",
        private: bool = False,
    ) -> BumbleAdapter:
        """A host adapter on this air for the bleak backend (in-process); ``pairing`` and
        ``private`` choose which kind of OS it plays (see ``BumbleAdapter.on_controller``)."""
        controller = self.controller(f"host-{address}")
        adapter = await BumbleAdapter.on_controller(
            controller, address, keystore, pairing=pairing, private=private
        )
        self._adapters.append(adapter)
        return adapter

    async def serve(self, port: int = DEFAULT_PORT, host: str = LOCALHOST) -> int:
        """Accept host processes on ``host:port`` (0 = any free port); returns the port."""
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _HciServerProtocol(self), host, port)
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    # -- faults --------------------------------------------------------------------

    async def drop_link(self, seconds: float, detect_s: float = 0.0) -> None:
        """The air goes silent for ``seconds``; connections time out after ``detect_s``.

        ``detect_s`` is the supervision timeout (0: at once). Until it expires both sides
        still believe they are connected, and what the board notifies meanwhile is lost,
        as on a real link.
        """
        loop = asyncio.get_running_loop()
        self.link.down_until = loop.time() + seconds
        if detect_s <= 0:
            self.link.time_out_connections()
        else:
            loop.call_later(detect_s, self.link.time_out_connections)

    def set_connection_interval(self, interval_ms: float) -> None:
        """Change how fast notifications drain (the central's connection interval)."""
        self.model.conn_interval_ms = interval_ms
        ble = bluetooth.BLE._instance
        if ble is not None and ble._model is self.model:
            ble.set_link_model(conn_interval_ms=interval_ms)

    def corrupt_notifications(self, count: int = 1, offset: int = 0) -> None:
        """Flip byte ``offset`` of the next ``count`` notifications the board sends.

        (A real link's CRC-24 never lets a damaged packet through; this stands for a bug
        on either side. Byte 0 is a frame's version, so the damage is detectable.)
        """
        self.model.corrupt_next += count
        self.model.corrupt_offset = offset

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for adapter in self._adapters:
            await adapter.close()
        await bluetooth.detach()


async def _attach_device(
    host: Host, address: str, name: str, model: bluetooth.LinkModel | None
) -> bluetooth.BLE:
    device = Device(
        name=name, address=hci.Address(address, hci.Address.RANDOM_DEVICE_ADDRESS), host=host
    )
    device.keystore = MemoryKeyStore()  # replaced by the IRQ bridge in attach()
    await device.power_on()
    return await bluetooth.attach(device, model)


async def peripheral_over_transport(
    spec: str, address: str, name: str = "kyphos", model: bluetooth.LinkModel | None = None
) -> bluetooth.BLE:
    """A board whose controller is reached through an HCI transport (another process)."""
    transport = await open_transport(spec)
    host = Host(transport.source, transport.sink)
    return await _attach_device(host, address, name, model)


async def _serve_forever(port: int) -> None:
    radio = VirtualRadio()
    actual = await radio.serve(port)
    print(f"virtual radio on {LOCALHOST}:{actual}", flush=True)
    await asyncio.get_running_loop().create_future()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kyphos.sim.radio",
        description="Run a virtual BLE air that host processes join over TCP.",
        epilog="example: python -m kyphos.sim.radio --port 9741",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="TCP port on 127.0.0.1 (0 = any free)"
    )
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve_forever(args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
