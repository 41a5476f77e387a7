// MicroPython source run through `eval` on boards without the v2 file-system commands (the
// original MQBoard client built ls/mkdir/rm/rmdir the same way). Each snippet defines
// `_mqb_run(...)`, which prints exactly one line of JSON: the result, "OK", or
// {"err": "<ERRNO NAME>"}. Names start with `_mqb_` because eval runs in the board's __main__.
// Only APIs of stock MicroPython on the ESP32: os.ilistdir/stat/statvfs, hashlib, binascii.

const ERR = `import json, errno
def _mqb_err(e):
    n = e.args[0] if e.args else 0
    print(json.dumps({"err": getattr(errno, "errorcode", {}).get(n, "E%s" % n)}))
def _mqb_join(d, n):
    return d.rstrip("/") + "/" + n
def _mqb_isdir(p):
    import os
    return os.stat(p)[0] & 0x4000 != 0
`;

const SHA = `def _mqb_sha(p):
    import hashlib, binascii
    h = hashlib.sha256()
    b = bytearray(1024)
    m = memoryview(b)
    with open(p, "rb") as f:
        while True:
            n = f.readinto(b)
            if not n:
                break
            h.update(m[:n])
    return binascii.hexlify(h.digest()).decode()
`;

export const V1_SNIPPETS = {
  ls: `${ERR}${SHA}def _mqb_ls(d, rec, sha, pre, out):
    import os
    for e in os.ilistdir(d):
        p = _mqb_join(d, e[0])
        if e[1] == 0x4000:
            out.append({"name": pre + e[0], "type": "d", "size": 0, "mtime": 0})
            if rec:
                _mqb_ls(p, rec, sha, pre + e[0] + "/", out)
        else:
            st = os.stat(p)
            x = {"name": pre + e[0], "type": "f", "size": st[6], "mtime": st[8]}
            if sha:
                x["sha256"] = _mqb_sha(p)
            out.append(x)
def _mqb_run(d, rec, sha):
    try:
        out = []
        _mqb_ls(d, rec, sha, "", out)
        print(json.dumps(out))
    except OSError as e:
        _mqb_err(e)`,
  stat: `${ERR}${SHA}def _mqb_run(p, sha):
    import os
    try:
        st = os.stat(p)
        d = st[0] & 0x4000 != 0
        x = {"type": "d" if d else "f", "size": 0 if d else st[6], "mtime": st[8]}
        if sha and not d:
            x["sha256"] = _mqb_sha(p)
        print(json.dumps(x))
    except OSError as e:
        _mqb_err(e)`,
  mkdir: `${ERR}def _mqb_run(p):
    import os
    try:
        os.mkdir(p)
    except OSError as e:
        try:
            if not _mqb_isdir(p):
                return _mqb_err(e)
        except OSError:
            return _mqb_err(e)
    print('"OK"')`,
  rm: `${ERR}def _mqb_run(p):
    import os
    try:
        if _mqb_isdir(p):
            print(json.dumps({"err": "EISDIR"}))
            return
        os.remove(p)
        print('"OK"')
    except OSError as e:
        _mqb_err(e)`,
  rmdir: `${ERR}def _mqb_rm(p):
    import os
    for e in os.ilistdir(p):
        q = _mqb_join(p, e[0])
        if e[1] == 0x4000:
            _mqb_rm(q)
        else:
            os.remove(q)
    os.rmdir(p)
def _mqb_run(p, rec):
    import os
    try:
        _mqb_rm(p) if rec else os.rmdir(p)
        print('"OK"')
    except OSError as e:
        _mqb_err(e)`,
  mv: `${ERR}def _mqb_run(a, b):
    import os
    try:
        os.rename(a, b)
        print('"OK"')
    except OSError as e:
        _mqb_err(e)`,
  df: `${ERR}def _mqb_run():
    import os
    try:
        s = os.statvfs("/")
        print(json.dumps({"total": s[0] * s[2], "free": s[0] * s[3], "block": s[0]}))
    except OSError as e:
        _mqb_err(e)`,
} as const;
