# Test app for the reconnection stress test: receives N numbered QoS 1 messages and publishes N.
import asyncio

N = 10000
got_max = -1
rx_dups = 0
rx_dups_unflagged = 0
rx_gaps = 0
sent = 0
done = False


def start(board, cfg):
    global N
    N = cfg.get("n", N)
    board.tasks.append(asyncio.create_task(_run(board)))


def _on_down(topic, msg, retained, dup):
    global got_max, rx_dups, rx_dups_unflagged, rx_gaps
    n = int(bytes(msg))
    if n <= got_max:
        rx_dups += 1
        if not dup:
            rx_dups_unflagged += 1
    else:
        if n != got_max + 1:
            rx_gaps += 1
        got_max = n


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
    await m.wait_all_acked()
    done = True
