#!/usr/bin/env python3
# Live latency of flam serve: streams raw mono f32le 48 kHz audio to /api/live in real time (100 ms chunks) and prints
# each frames/event message with the audio time already sent. Not a test. Standard library only.
#   ffmpeg -i samples/helicopter-and-gunshot.ogg -ac 1 -ar 48000 -f f32le /tmp/heli.f32
#   bench/live-latency.py PORT /tmp/heli.f32 "a helicopter" "a gunshot"
import base64, json, os, socket, struct, sys, time
host, port, path = "127.0.0.1", int(sys.argv[1]), sys.argv[2]
queries = sys.argv[3:]
s = socket.create_connection((host, port))
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(f"GET /api/live HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
resp = b""
while b"\r\n\r\n" not in resp: resp += s.recv(1)
assert b" 101 " in resp, resp
def send(op, payload):
    mask = os.urandom(4); n = len(payload)
    head = bytes([0x80 | op])
    head += bytes([0x80 | n]) if n < 126 else (bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else bytes([0x80 | 127]) + struct.pack(">Q", n))
    s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
buf = b""
def recv_msg(timeout):
    global buf
    s.settimeout(timeout)
    while True:
        if len(buf) >= 2:
            n = buf[1] & 0x7f; off = 2
            if n == 126: n = struct.unpack(">H", buf[2:4])[0]; off = 4
            elif n == 127: n = struct.unpack(">Q", buf[2:10])[0]; off = 10
            if len(buf) >= off + n:
                msg = buf[off:off + n]; buf = buf[off + n:]; return json.loads(msg)
        try: buf += s.recv(65536)
        except socket.timeout: return None
send(1, json.dumps({"sampleRate": 48000, "format": "f32le", "queries": queries}).encode())
print(recv_msg(10))
data = open(path, "rb").read()
chunk = 4800 * 4  # 100 ms
start = time.time(); sent = 0.0; last_chunk = {}
for i in range(0, len(data), chunk):
    send(2, data[i:i + chunk]); sent += len(data[i:i + chunk]) / 4 / 48000
    t_sent = time.time()
    while time.time() < start + sent:
        m = recv_msg(max(0.001, start + sent - time.time()))
        if m is None: break
        now = time.time() - start
        if m["type"] == "event": print(f"event {m['query']!r} {m['state']} at audio t={m['t']:.2f} s, received at wall {now:.2f} s (audio sent so far {sent:.2f} s)")
        elif m["type"] == "frames": print(f"frames t={m['t']:.2f} received {now:.2f} s, audio sent {sent:.2f} s")
# drain
end = time.time() + 3
while time.time() < end:
    m = recv_msg(0.5)
    if m and m["type"] == "event": print(f"event {m['query']!r} {m['state']} at audio t={m['t']:.2f} s (after the end)")
