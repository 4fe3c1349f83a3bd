"""A long-lived LibreOffice driven over UNO, run by the Python that has `uno` (not formgen's): JSON lines in and out.

    python3 uno_worker.py SOFFICE PROFILE_DIR PARENT_PID

It starts LibreOffice once on PROFILE_DIR (whose settings formgen wrote) with a UNO listener on a named
pipe only this worker knows (a random name; no TCP port another local user could reach), then answers
each line {"in": DOCX, "out": PDF} on stdin with one line on stdout: {"ok": true} or {"error": "..."}.
The first line it prints is {"ready": true} (or {"error": ...}). It imports nothing of formgen: it runs
under the system Python, whose `uno` (python3-uno) matches the installed LibreOffice.

It stops with its LibreOffice, and removes the profile, when stdin closes, on SIGTERM/SIGHUP, and when its
parent dies (even by SIGKILL: it is then another process's child); LibreOffice runs in this worker's process
group, so formgen killing the group stops both.
"""
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time

START_LIMIT = 60.0  # seconds for LibreOffice to open its pipe
RESTART_EXIT = 81   # LibreOffice asks to be started again (a new profile's first start)


def main(argv):
    soffice, profile, parent = argv[1], argv[2], int(argv[3])
    state = {"proc": None}

    def stop(signum=None, frame=None):
        _kill(state["proc"])
        _remove(profile, state.get("pipe"))
        os._exit(128 + signum if signum else 0)

    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, stop)
    threading.Thread(target=_watch_parent, args=(parent, stop), daemon=True).start()
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but answers on the answer channel
    try:
        desktop, state["proc"], pipe = _start(soffice, profile, state)  # state: what to clean up meanwhile
        office = [pid for pid in _descendants(os.getpid()) if _name(pid) == "soffice.bin"]
        _answer(out, {"ready": True, "pid": office[0] if office else state["proc"].pid, "pipe": pipe})
        for line in sys.stdin:  # formgen closing its end, or dying, ends the loop
            request = json.loads(line)
            try:
                _convert(desktop, request["in"], request["out"])
                answer = {"ok": True}
            except Exception as exc:  # noqa: BLE001 - told to formgen, which decides to restart
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            _answer(out, answer)
            if state["proc"].poll() is not None:
                break  # LibreOffice is gone: formgen starts a fresh worker
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 - already gone
            pass
        _kill(state["proc"], grace=5.0)
    except Exception as exc:  # noqa: BLE001 - a failure to start, or formgen gone: told if it can hear
        try:
            _answer(out, {"error": f"{type(exc).__name__}: {exc}"})
        except OSError:
            pass
        return 1
    finally:
        _kill(state["proc"])
        _remove(profile, state.get("pipe"))
    return 0


def _remove(profile, pipe):
    """The profile, and the socket of the listener's pipe (LibreOffice killed leaves it in /tmp)."""
    shutil.rmtree(profile, ignore_errors=True)
    if pipe:
        try:
            os.unlink(f"/tmp/OSL_PIPE_{os.getuid()}_{pipe}")
        except OSError:
            pass


def _watch_parent(parent, stop):
    """formgen gone (even killed outright, its pipe perhaps held by nobody): stop LibreOffice and leave."""
    while os.getppid() == parent:
        time.sleep(0.5)
    stop()


def _start(soffice, profile, state):
    """LibreOffice listening on a pipe of a random name, and its desktop once connected."""
    import uno
    from com.sun.star.connection import NoConnectException

    tmp = os.path.join(profile, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, TMPDIR=tmp, TMP=tmp, TEMP=tmp)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + START_LIMIT
    while True:
        pipe = state["pipe"] = f"formgen-{secrets.token_hex(16)}"
        proc = subprocess.Popen(
            [soffice, "-env:UserInstallation=" + uno.systemPathToFileUrl(profile), "--headless", "--invisible",
             "--nocrashreport", "--nodefault", "--nologo", "--nofirststartwizard", "--norestore", "--nolockcheck",
             f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        state["proc"] = proc  # killed with the worker, even while it starts
        while True:
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
                return desktop, proc, pipe
            except NoConnectException:
                pass
            code = proc.poll()
            if code is not None:
                if code == RESTART_EXIT and time.monotonic() < deadline:
                    break  # start it again, on a new pipe
                raise RuntimeError(f"LibreOffice exited with status {code} before it listened")
            if time.monotonic() > deadline:
                _kill(proc)
                raise RuntimeError(f"LibreOffice did not listen within {START_LIMIT:.0f} s")
            time.sleep(0.05)


def _convert(desktop, source, target):
    """Load source hidden and read-only, no macro and no link updated; store it as PDF at target."""
    import uno
    from com.sun.star.beans import PropertyValue

    def props(**values):
        return tuple(PropertyValue(Name=k, Value=v) for k, v in values.items())

    # MacroExecutionMode NEVER_EXECUTE = 0; UpdateDocMode NO_UPDATE = 0 (no link is refreshed)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0,
                                       props(Hidden=True, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0))
    if doc is None:
        raise RuntimeError("LibreOffice could not open the document")
    try:
        doc.storeToURL(uno.systemPathToFileUrl(target), props(FilterName="writer_pdf_Export"))
    finally:
        try:
            doc.close(True)
        except Exception:  # noqa: BLE001 - a document that will not close goes with its LibreOffice
            doc.dispose()


def _answer(out, message):
    out.write(json.dumps(message) + "\n")
    out.flush()


def _kill(proc, grace=0.0):
    """Stop LibreOffice (the launcher and soffice.bin it starts, both in this process group but for us)."""
    if proc is None:
        return
    if grace:
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    for pid in _descendants(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass


def _descendants(root):
    """Every process below root, from /proc (LibreOffice's launcher starts soffice.bin as its child)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _name(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


if __name__ == "__main__":
    sys.exit(main(sys.argv))
