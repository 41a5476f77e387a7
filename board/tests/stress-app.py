# Test app for the reconnection stress test: receives N numbered QoS 1 messages and publishes N.
import asyncio

N = 10000
seen = None  # bitmap of received sequence numbers
late = 0  # arrived after a later one: reordered (counted apart from duplicates)
late_unflagged = 0
got_max = -1
rx_dups = 0
rx_dups_unflagged = 0
rx_gaps = 0
sent = 0
done = False


PACE_MS = 0


def start(mqtt, cfg):
    global N, PACE_MS, seen
    N = cfg.get("n", N)
    seen = bytearray(N // 8 + 1)
    PACE_MS = cfg.get("pace_ms", 0)  # a pause every 100 messages, to spread them over the faults
    mqtt.board.tasks.append(asyncio.create_task(_run(mqtt.board)))


def _on_down(topic, msg, retained, dup):
    global got_max, rx_dups, rx_dups_unflagged, rx_gaps, late, late_unflagged
    n = int(bytes(msg))
    first = not seen[n >> 3] & (1 << (n & 7))
    seen[n >> 3] |= 1 << (n & 7)
    if not first:
        rx_dups += 1
        if not dup:
            rx_dups_unflagged += 1
    elif n < got_max:
        late += 1
        if not dup:
            late_unflagged += 1
    else:
        if n != got_max + 1:
            rx_gaps += 1
        got_max = n


def missing():
    return [i for i in range(N) if not seen[i >> 3] & (1 << (i & 7))]


async def _run(board):
    global sent, done
    m = board.mqtt
    await m.subscribe(board.prefix + "/stress/down", _on_down)
    await m.wait_connected()
    await m.publish(board.prefix + "/stress/ready", b"1", qos=1)
    topic = board.prefix + "/stress/up"
    for i in range(N):
        await m.publish(topic, str(i), qos=1)
        sent = i + 1
        if PACE_MS and i % 100 == 99:
            await asyncio.sleep_ms(PACE_MS)
    await m.wait_all_acked()
    done = True
