"""``kyphos live``: watch posture as it happens, from any transport, recording while it shows.

    from kyphos.views.live import LiveSession
    s = LiveSession("replay:session.kyr@2")     # or "sim", "serial:/dev/ttyACM0", "kyphos-3A4F"
    s.run_window()                               # a matplotlib window (keys c m space r q)
    # headless: s.run_headless(frames_dir="frames/", duration_s=20)

Two threads. The **receive thread** runs an asyncio loop with the :class:`kyphos.link.Device`
(connect, start, ``stream()``), appends every frame to the recording (if one is running) and
feeds :class:`~kyphos.views.live_state.LiveState`, which runs the causal analysis chain on every
sample. The **drawing thread** (the main thread; GUI toolkits want it) draws a frame as soon as
new samples are in, at most ``fps`` times a second (and every ``HEARTBEAT_S`` without new
samples): it takes a snapshot and draws it with blitting
(:class:`~kyphos.views.live_figure.LiveFigure`). The two share only the state's lock, held for
a copy: when drawing is slow, several updates go into one frame (frames dropped); the receive
path never waits for a frame, so no sample is lost.

Keys: ``c`` calibrate (the board's CALIBRATE; a replay is calibrated on the host from the last
second), then the view asks for one slow forward bend (``guide_s``) and takes the first one as
the calibration bend, writing a calibration ``NOTE`` with the upright and the bend's window into
the recording (what ``kyphos analyze`` reads); ``m`` marker (the board's MARKER command if it has one, and always a ``NOTE``
``{"kind": "marker"}`` in the recording), space pause (the view holds; receiving, analysis and
recording go on), ``r`` start/stop recording, ``q`` quit.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kyphos.errors import KyphosError, RecordingError
from kyphos.metrics.style import Wearer
from kyphos.views.live_state import GUIDE_S, LiveState, View

KEYS = {"c": "calibrate", "m": "marker", " ": "pause", "r": "record", "q": "quit"}
#: With no new samples, a frame is still drawn this often (banners, clocks, the paused view).
HEARTBEAT_S = 0.25


@dataclass
class FrameStats:
    """What the drawing loop did: frames drawn and dropped, and per-frame latency."""

    drawn: int = 0
    dropped: int = 0
    written: int = 0  # frames written as PNG files (run_headless)
    draw_s: list[float] = field(default_factory=list)  # wall time per frame drawn
    # per frame that shows new samples: sample taken → first frame that shows it, for the
    # newest and the oldest of the new samples (the oldest also waited for the board's batch)
    latency_ms: list[float] = field(default_factory=list)
    oldest_latency_ms: list[float] = field(default_factory=list)
    receive_ms: list[float] = field(default_factory=list)  # newest sample received → shown
    transit_ms: list[float] = field(default_factory=list)  # newest sample taken → received


class _Recording:
    """A ``.kyr`` file being written from the receive thread (the recorder's file format:
    header with the board's INFO, every frame with its host receive time, link NOTEs)."""

    def __init__(self, path: Path, dev: Any, clock: Any, overwrite: bool = False) -> None:
        from kyphos.protocol.fields import payload_to_fields
        from kyphos.recording.kyr import KyrWriter, new_header

        info = dev.info_frame
        device = None
        if info is not None:
            device = payload_to_fields(info)
        header = new_header(dev.transport.kind.value, device=device,
                            link={"target": dev.transport.name, "live": True})
        self.path = path
        self.writer = KyrWriter(path, header, overwrite=overwrite)
        self.clock = clock
        self.first_imu_s: float | None = None  # device time of its first IMU sample
        self.records = 0
        if dev.info_raw is not None:
            self.writer.write(dev.info_raw.raw, dev.info_raw.host_us)

    def frames(self, recs: list[Any], state: LiveState) -> None:
        for rec in recs:
            self.writer.write(rec.raw, rec.host_us)
            self.records += 1
            if self.first_imu_s is None and rec.raw[1] == 0x02:
                self.first_imu_s = state.device_s(rec.frame.t_us)

    def note(self, obj: dict[str, Any]) -> None:
        from kyphos.protocol.frames import Note, make_frame

        self.writer.write(make_frame(Note(obj)), self.clock.now_us() if self.clock else -1)
        self.records += 1

    def close(self) -> None:
        self.writer.close()


class LiveSession:
    """One live view: a device link, the state, recording, and the drawing loop.

    Args:
        target: what :func:`kyphos.link.connect` takes: ``sim``, ``serial:PORT``, a BLE name
            or address, ``replay:FILE.kyr[@SPEED]``.
        record: a ``.kyr`` path to record into from the start (``r`` toggles); an existing
            file is kept (the session fails to start) unless ``overwrite``.
        window_s: seconds of trace shown.
        fps: frames per second aimed at.
        connect_kwargs: passed to :func:`kyphos.link.connect` (e.g. ``scenario=`` for sim).
        sound: ring the terminal bell when a slouch alert starts.
        wearer: the wearer's hip height (:func:`kyphos.metrics.style.wearer_from`): lift style
            per leg length, as ``kyphos analyze --hip-height-m`` (:class:`LiveState`).
        lossless: draw every update, no frame dropped: the receive loop waits after each batch
            until a frame shows it, and frames are not capped at ``fps``. For rendering a
            replay at ``@0`` (as fast as possible) to PNG files, so the frames follow the
            recording instead of the wall clock (without it the replay outruns the drawing and
            most frames are dropped).
        guide_s: after each ``c`` (or the board's CALIBRATED) made standing, ask for one
            slow forward bend for this long, s; the first one found (:class:`LiveState`
            ``guide_s``) is the calibration bend (after a later ``c``, its lever names the
            lifts from then on), and the recording gets the calibration note with the upright
            and the bend. 0 or None: no prompt (``c``
            takes the upright only).
    """

    def __init__(
        self,
        target: str,
        *,
        record: str | Path | None = None,
        window_s: float = 30.0,
        fps: float = 30.0,
        sound: bool = False,
        slouch_threshold_deg: float | None = None,
        connect_kwargs: dict[str, Any] | None = None,
        overwrite: bool = False,
        lossless: bool = False,
        wearer: Wearer | None = None,
        guide_s: float | None = GUIDE_S,
    ) -> None:
        self.target = target
        self.record_path = Path(record) if record else None
        self.overwrite = overwrite  # replace an existing ``record`` file (kyphos live --force)
        self.lossless = lossless
        self.window_s = window_s
        self.fps = fps
        kw: dict[str, Any] = ({} if slouch_threshold_deg is None
                              else {"slouch_threshold_deg": slouch_threshold_deg})
        self.state = LiveState(window_s, wearer=wearer, guide_s=guide_s or None, **kw)
        self.state.on_alert = self._alert
        self.state.on_guided = self._guided
        # a host calibration's upright (device s) whose note waits for the guided bend
        self._host_upright: tuple[float, float] | None = None
        self.state.on_re_reference = self._re_referenced
        self.sound = sound
        self.connect_kwargs = dict(connect_kwargs or {})
        self.dev: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.recording: _Recording | None = None
        self.recordings: list[Path] = []
        self.paused = False
        self.held: View | None = None
        self.ended = threading.Event()
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.messages: list[str] = []
        self.stats = FrameStats()
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._display_latency: float | None = None
        self._recent_latency: list[float] = []
        self._latency_shown_at = 0.0
        self._last_shown_t = -np.inf
        self._last_frame_t = -np.inf  # time.monotonic() of the last frame
        self._drawn_version = 0
        self._scripted: list[tuple[float, str]] = []  # (stream seconds, key): press_at
        self.figure: Any = None

    # -- receive thread -------------------------------------------------------------------------
    def start(self, timeout_s: float = 30.0) -> None:
        """Connect and start streaming in the receive thread; raises what connecting raised."""
        self._thread = threading.Thread(target=self._thread_main, name="kyphos-live-rx", daemon=True)
        self._thread.start()
        if not self.ready.wait(timeout_s):
            raise KyphosError(f"{self.target}: no answer within {timeout_s:.0f} s")
        if self.error is not None:
            raise self.error

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            if self.error is None:
                self.error = exc
        finally:
            self.ready.set()
            self.ended.set()

    async def _main(self) -> None:
        from kyphos.link.device import connect

        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        kw = {"ping_interval_s": 1.0, **self.connect_kwargs}
        dev = await connect(self.target, **kw)
        self.dev = dev
        try:
            if dev.info_frame is not None:
                self.state.set_info(dev.info_frame)
            self._exact_clock(dev)
            if self.record_path is not None:
                self._start_recording(self.record_path, overwrite=self.overwrite)
            await dev.start()
            self.ready.set()
            health = asyncio.create_task(self._health_loop())
            stopper = asyncio.create_task(self._stopper())
            try:
                async for batch in dev.stream():
                    rec = self.recording
                    if rec is not None:
                        try:
                            for n in batch.notes:
                                rec.note(n)
                            rec.frames(batch.frames, self.state)
                        except RecordingError as exc:  # e.g. disk full: stop recording, keep showing
                            self.recording = None
                            with contextlib.suppress(RecordingError):
                                rec.close()
                            self.messages.append(f"recording stopped: {exc}")
                            self.state.set_link(status_text="recording stopped: " + str(exc)[:60])
                    self.state.ingest(batch.frames, batch.epoch)
                    if self._scripted:
                        await self._press_scripted()
                    if self.lossless:
                        await self._until_drawn(self.state.version)
            finally:
                for t in (health, stopper):
                    t.cancel()
                await asyncio.gather(health, stopper, return_exceptions=True)
            self.state.set_link(connected=True, status_text=self._end_text())
        finally:
            self._stop_recording()
            await dev.close()

    def press_at(self, keys: dict[float, str]) -> None:
        """Script key presses at seconds of the stream (samples received ÷ the sample rate;
        for a live board about the seconds since the start), pressed in the receive path."""
        self._scripted = sorted(keys.items())

    async def _press_scripted(self) -> None:
        """Act on the scripted keys whose time the stream has reached (samples received ÷ the
        rate), here in the receive path and before the next batch: a scripted replay then does
        the same whatever the load (a wall-clock press could come after the replay ended)."""
        fs = self.state.fs
        if not fs:
            return
        t = self.state.samples / fs
        while self._scripted and self._scripted[0][0] <= t:
            key = self._scripted.pop(0)[1]
            action = KEYS.get(key)
            if action == "calibrate":
                await self._calibrate()
            elif action == "marker":
                await self._marker()
            elif action == "record":
                self._toggle_recording()
            else:
                self.press(key)

    async def _until_drawn(self, version: int) -> None:
        """Lossless mode: wait until a frame has shown ``version`` (or the view stops)."""
        assert self._stop is not None
        while self._drawn_version < version and not self._stop.is_set():
            await asyncio.sleep(0.002)

    def _end_text(self) -> str:
        kind = getattr(self.dev.transport.kind, "value", "")
        return "replay finished" if kind == "replay" else "stream ended"

    async def _stopper(self) -> None:
        assert self._stop is not None
        await self._stop.wait()
        with contextlib.suppress(KyphosError):
            await self.dev.stop()
        self.dev.end_stream()

    async def _health_loop(self) -> None:
        was_up = True
        while True:
            h = self.dev.health()
            up = bool(self.dev.transport.connected)
            if self.lossless:  # a replay rendered frame by frame: the file has been read long
                # before it is drawn, so receive-time rates and the link state say nothing;
                # show the recording's own rate and keep the link "up" until the stream ends
                h = dataclasses.replace(h, sample_rate_hz=float(self.state.fs or 0.0))
                up = True
            text = None if up == was_up else ("" if up else "link lost — reconnecting…")
            self.state.set_link(health=h.as_dict(), connected=up, status_text=text)
            was_up = up
            await asyncio.sleep(0.5)

    def _exact_clock(self, dev: Any) -> None:
        """On the virtual board, device and host clocks are both the event loop's: map a
        sample's device time to host time exactly (else the state uses the receive-time
        envelope)."""
        board = getattr(dev.transport, "board", None)
        clock = dev.transport.clock
        if board is None or getattr(board, "clock", None) is None or clock is None:
            return
        boot_s = board.clock.boot_us / 1e6
        t0_loop, t0_us = clock._t0_loop, clock._t0_us

        def to_host(t_s: float) -> float:
            return t0_us + (boot_s + t_s - t0_loop) * 1e6

        self.state.device_to_host = to_host

    def _start_recording(self, path: Path, overwrite: bool = False) -> None:
        self.recording = _Recording(path, self.dev, self.dev.transport.clock, overwrite)
        self.recordings.append(path)
        self.messages.append(f"recording to {path}")

    def _stop_recording(self) -> None:
        rec = self.recording
        if rec is None:
            return
        self.recording = None
        if self._host_upright is not None:  # the prompt still runs: the upright alone
            with contextlib.suppress(RecordingError):
                self._note_calibration(self._host_upright, None, rec)
        with contextlib.suppress(Exception):
            for n in self.dev.clock_notes():
                rec.note(n)
            rec.note({"kind": "link", "event": "end", **self.dev.health().as_dict()})
        rec.close()
        self.messages.append(f"wrote {rec.path} ({rec.records} records)")

    def _call(self, fn: Any, *args: Any) -> None:
        """Run ``fn(*args)`` (a coroutine function or plain function) in the receive loop."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return

        def go() -> None:
            r = fn(*args)
            if asyncio.iscoroutine(r):
                loop.create_task(r)

        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(go)

    # -- actions (any thread) ------------------------------------------------------------------
    def press(self, key: str) -> None:
        """Act on a key: ``c`` ``m`` space ``r`` ``q`` (anything else is ignored)."""
        action = KEYS.get(key if key != "space" else " ")
        if action == "pause":
            self.paused = not self.paused
            self.held = None
        elif action == "quit":
            self.stop()
        elif action == "calibrate":
            self._call(self._calibrate)
        elif action == "marker":
            self._call(self._marker)
        elif action == "record":
            self._call(self._toggle_recording)

    async def _calibrate(self) -> None:
        if self.state.seated_keep():  # sitting, with a standing upright: kept (no CALIBRATE)
            self.messages.append("sitting: calibration kept (stand up straight to recalibrate)")
            return
        try:
            await self.dev.calibrate()  # the board answers with EVENT CALIBRATED
            self.messages.append("calibrated on the board")
        except KyphosError:  # a replay (or old firmware): calibrate here from the last second
            window = self.state.calibrate_now()
            if window is not None and self.state.guiding:
                self._host_upright = window  # the note waits for the bend (or the time limit)
            elif window is not None:
                sitting = bool(self.state.calibrations_sitting[-1:] == [True])
                self._note_calibration(window, None, sitting=sitting)
            self.messages.append("calibrated on the host (last second as upright)")

    def _guided(self, upright: tuple[float, float], bend: tuple[float, float] | None) -> None:
        """The prompt for the guided bend has ended (in ingest, receive thread): the recording
        gets the calibration note the report reads, with the bend when one came. The upright is
        the one the view took: 1 s before the board's CALIBRATED event (the report's rule for
        it) or, for a host calibration, the last second before ``c``. Without a bend a board
        calibration needs no note (the report reads the event, and finds the bends itself)."""
        host, self._host_upright = self._host_upright, None
        if bend is not None:
            self._note_calibration(upright, bend)
            self.messages.append(f"calibration bend taken ({bend[0]:.1f}–{bend[1]:.1f} s)")
        else:
            if host is not None:
                self._note_calibration(host, None)
            self.messages.append("no calibration bend within the time limit: " + (
                "the earlier calibration bend is kept" if self.state.bend_taken
                else "the calibration bends are found automatically"))

    def _note_calibration(self, upright: tuple[float, float], bend: tuple[float, float] | None,
                          rec: _Recording | None = None, sitting: bool = False) -> None:
        """A calibration NOTE in the recording (``rec``, else the one running), times in s from
        its first IMU sample (as the analysis reads them); none when it started after the
        upright. ``sitting``: the view saw the wearer sitting (``"posture": "sitting"``; no
        bend was asked for). Each note is the wearer's upright from its time on in the report
        (:func:`kyphos.analysis.user_calibrations`), as in the view."""
        rec = rec or self.recording
        if rec is None or rec.first_imu_s is None or upright[0] < rec.first_imu_s:
            return
        t0 = rec.first_imu_s
        note: dict[str, Any] = {"kind": "calibration", "method": "guided" if bend else "live",
                                "upright": [round(upright[0] - t0, 4), round(upright[1] - t0, 4)]}
        if bend is not None:
            note["bend"] = [round(bend[0] - t0, 4), round(bend[1] - t0, 4)]
        if sitting:
            note["posture"] = "sitting"
        rec.note(note)

    async def _marker(self) -> None:
        t = self.state.add_marker()
        rec = self.recording
        if rec is not None:
            rel = None if t is None or rec.first_imu_s is None else round(t - rec.first_imu_s, 4)
            rec.note({"kind": "marker", "source": "live", "t_s": rel})
        with contextlib.suppress(KyphosError):
            await self.dev.marker(len(self.state.markers))

    def _toggle_recording(self) -> None:
        if self.recording is not None:
            self._stop_recording()
            return
        base = self.record_path or Path(time.strftime("live-%Y%m%d-%H%M%S.kyr"))
        path = base
        k = 2
        while path.exists():
            path = base.with_name(f"{base.stem}-{k}{base.suffix}")
            k += 1
        try:
            self._start_recording(path)
        except KyphosError as exc:
            self.messages.append(str(exc))

    def stop(self) -> None:
        """End the stream (and the recording) and let the receive thread finish."""
        if self._stop is not None and self.loop is not None:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._stop.set)

    def join(self, timeout_s: float = 20.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _re_referenced(self, rr: Any) -> None:
        """A clip slip re-referenced live (:class:`kyphos.processing.causal.LiveReReference`):
        tell the wearer, with where it was placed and when it was seen. Runs inside ingest
        (lock held): only a message."""
        self.messages.append(f"{rr.message} (slip at {rr.t_s:.0f} s, seen at "
                             f"{rr.detected_s:.0f} s: {rr.why})")

    def _alert(self) -> None:
        if self.sound and self.state.may_coach():  # no coaching on angles we cannot trust
            sys.stdout.write("\a")
            sys.stdout.flush()

    # -- drawing -----------------------------------------------------------------------------
    def make_figure(self, fig: Any) -> Any:
        from kyphos.views.live_figure import LiveFigure

        src = self.target if len(self.target) < 40 else "…" + self.target[-38:]
        self.figure = LiveFigure(fig, self.window_s, self.state.slouch_threshold_deg, src)
        return self.figure

    def _now_us(self) -> int:
        clock = getattr(getattr(self.dev, "transport", None), "clock", None)
        return int(clock.now_us()) if clock is not None else time.time_ns() // 1000

    def frame(self) -> View:
        """Draw one frame now (snapshot, blit) and account for its latency."""
        assert self.figure is not None
        t0 = time.perf_counter()
        self._last_frame_t = time.monotonic()
        self.state.changed.clear()
        ver = self.state.version
        # updates that arrived since the last frame and are drawn together: frames dropped
        self.stats.dropped += max(0, ver - self._drawn_version - 1)
        self._drawn_version = ver
        if self.paused and self.held is not None:
            v = self.held
        else:
            v = self.state.snapshot(self.window_s)
            if self.paused:
                self.held = v
        v.health["display_latency_ms"] = None if self.lossless else self._display_latency
        rec = self.recording
        self.figure.draw(v, paused=self.paused, recording=rec.path.name if rec else None,
                         blink=int(time.monotonic() * 2) % 2 == 1)
        shown = self._now_us()
        self.stats.drawn += 1
        self.stats.draw_s.append(time.perf_counter() - t0)
        prev = self._last_shown_t
        if v.newest_host_us is not None and not self.paused and v.t_now > prev:
            lat = (shown - v.newest_host_us) / 1000.0
            self.stats.latency_ms.append(lat)
            if v.newest_recv_us is not None:
                self.stats.receive_ms.append((shown - v.newest_recv_us) / 1000.0)
                self.stats.transit_ms.append((v.newest_recv_us - v.newest_host_us) / 1000.0)
            fs = self.state.fs or 100.0
            oldest = self.state.host_us_of(max(prev + 1.0 / fs, v.t_now - 1.0))
            if oldest is not None and prev > -np.inf:
                self.stats.oldest_latency_ms.append((shown - oldest) / 1000.0)
            self._last_shown_t = v.t_now
            self._recent_latency.append(lat)
            if time.monotonic() >= self._latency_shown_at + 1.0:
                # the shown figure is the median of the last second (the text layer is
                # redrawn only when a text changes: at most about once a second)
                self._display_latency = float(np.median(self._recent_latency))
                self._recent_latency.clear()
                self._latency_shown_at = time.monotonic()
        return v

    def frame_due(self, now: float | None = None) -> bool:
        """Whether to draw now: new samples and at least 1/fps since the last frame, or
        ``HEARTBEAT_S`` without new samples (frames follow the data, capped at ``fps``)."""
        now = time.monotonic() if now is None else now
        since = now - self._last_frame_t
        if since < 1.0 / self.fps and not self.lossless:
            return False
        return self.state.version != self._drawn_version or since >= HEARTBEAT_S

    def wait_frame(self, timeout_s: float = HEARTBEAT_S) -> None:
        """Sleep until a frame is due (new samples, the fps cap, the heartbeat) or timeout."""
        now = time.monotonic()
        if self.state.version != self._drawn_version:
            if self.lossless:
                return
            time.sleep(max(0.0, min(timeout_s, self._last_frame_t + 1.0 / self.fps - now)))
        else:
            self.state.changed.wait(max(0.0, min(timeout_s, self._last_frame_t + HEARTBEAT_S - now)))

    def run_headless(
        self,
        frames_dir: str | Path | None = None,
        *,
        duration_s: float | None = None,
        every: int = 1,
        keys: dict[float, str] | None = None,
        size_in: tuple[float, float] = (12.0, 7.0),
        dpi: float = 100.0,
    ) -> FrameStats:
        """Draw frames on an Agg canvas at ``fps`` until the stream ends or ``duration_s``
        (wall clock) has passed; every ``every``-th frame is written to ``frames_dir`` as
        ``frame-NNNNN.png``. ``keys``: as :meth:`press_at`."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from kyphos.fileio import atomic_path
        from kyphos.views.live_figure import save_png

        fig = Figure(figsize=size_in, dpi=dpi)
        FigureCanvasAgg(fig)
        self.make_figure(fig)
        out = Path(frames_dir) if frames_dir else None
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
        if keys:
            self.press_at(keys)
        if self._thread is None:
            self.start()
        t0 = time.monotonic()
        k = 0
        try:
            while True:
                now = time.monotonic()
                finished = self.ended.is_set()
                if duration_s is not None and now - t0 >= duration_s:
                    break
                if not (finished or self.frame_due(now)):
                    left = [] if duration_s is None else [duration_s - (now - t0)]
                    self.wait_frame(min([HEARTBEAT_S, *left]))
                    continue
                self.frame()
                if out is not None and k % every == 0:
                    # temp name + rename (kyphos.fileio); the CLI checked the folder first
                    with atomic_path(out / f"frame-{k:05d}.png", force=True) as tmp:
                        save_png(fig, str(tmp))
                    self.stats.written += 1
                k += 1
                if finished:
                    break
        finally:
            self.stop()
            self.join()
        if self.error is not None:
            raise self.error
        return self.stats

    def run_window(self, close_on_end: bool = False) -> None:
        """Open the window and run until it is closed or ``q`` (or, with ``close_on_end``, the
        stream ends: e.g. ``--duration``)."""
        import matplotlib.pyplot as plt

        for name in ("keymap.back", "keymap.home", "keymap.quit", "keymap.pan", "keymap.zoom",
                     "keymap.fullscreen", "keymap.save", "keymap.grid", "keymap.yscale",
                     "keymap.xscale", "keymap.forward"):
            plt.rcParams[name] = [k for k in plt.rcParams[name] if k not in ("c", "m", "r", "q", " ")]
        fig = plt.figure(figsize=(13, 7.5))
        manager = fig.canvas.manager
        if manager is not None:
            manager.set_window_title(f"kyphos live — {self.target}")
        self.make_figure(fig)
        if self._thread is None:
            self.start()

        def tick() -> None:
            if self.ended.is_set() and (self.error is not None or close_on_end):
                self.frame()
                plt.close(fig)
                return
            if self.frame_due():
                self.frame()

        def on_key(event: Any) -> None:
            self.press(" " if event.key == " " else str(event.key))
            if event.key == "q":
                plt.close(fig)

        timer = fig.canvas.new_timer(interval=5)  # checks; frame_due() paces the frames
        timer.add_callback(tick)
        fig.canvas.mpl_connect("key_press_event", on_key)
        fig.canvas.mpl_connect("close_event", lambda _e: self.stop())
        timer.start()
        try:
            plt.show()
        finally:
            timer.stop()
            self.stop()
            self.join()
        if self.error is not None:
            raise self.error
