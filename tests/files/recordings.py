"""Voice recordings as browsers make them, encoded here with PyAV (FFmpeg's libopus): a tone
of ``seconds`` as Opus in WebM (Chromium's MediaRecorder) or Ogg (Firefox's)."""

from __future__ import annotations

import array
import io
import math

import av


def recording(seconds: float = 2.0, *, container: str = "webm", codec: str = "libopus") -> bytes:
    buffer = io.BytesIO()
    rate = 48_000
    with av.open(buffer, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        frame_size = 960  # 20 ms, as MediaRecorder's Opus frames
        total = int(seconds * rate)
        for start in range(0, total, frame_size):
            count = min(frame_size, total - start)
            at = (start + i for i in range(count))
            tone = (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in at)
            frame = av.AudioFrame(format="s16", layout="mono", samples=count)
            frame.planes[0].update(array.array("h", tone).tobytes())
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()
