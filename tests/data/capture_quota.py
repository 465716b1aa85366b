#!/usr/bin/env python3
"""FIRST CUT (issue 8, not wired into the suite yet): capture ``gluster volume quota ... list
--xml`` from a real one-node cluster on 127.1.9.1 and show how quota list is made to work in
this harness of several glusterd on one machine:

1. the CLI reads ``quota.conf`` from /var/lib/glusterd (hard-coded, "TODO: fix hardcoding" in
   cli-cmd-volume.c): bind the node's working directory there;
2. the CLI asks quotad only when /var/run/gluster/quotad/quotad.pid exists (QUOTAD_PID_PATH,
   hard-coded; our quotad writes <rundir>/quotad/quotad.pid): bind <rundir>/quotad there;
3. the CLI reads limits through the aux mount glusterd makes at
   /var/run/gluster/<vol>_quota_list/ in *glusterd's* mount namespace (the harness starts each
   glusterd in its own): run the CLI there (``nsenter -t <glusterd pid> -m``); both binds are
   made inside that namespace, so the host sees nothing but an empty /var/run/gluster/quotad.
Enforcement (EDQUOT on a write beyond the hard limit, on an object beyond limit-objects) is
immediate with ``volume quota VOL hard-timeout 0``; with the default (5 s) writes can overshoot.
Writes tests/data/quota_list*.xml when moved into tests/data/capture.py.
"""
import os, sys, time, tempfile, subprocess, json
sys.path.insert(0, "/work/main/tests/support")
from cluster import GlusterCluster
base = tempfile.mkdtemp(prefix="gq-", dir="/tmp")
c = GlusterCluster(base, size=1, subnet="127.1.9"); c.start()
out = {}
mnt = f"{base}/mnt"
try:
    n1 = c.nodes[0]
    b = []
    for i in range(2):
        p = f"{base}/bricks/q{i}"; os.makedirs(p); b.append(f"{n1.address}:{p}")
    n1.cli("volume","create","qv",*b,"force"); n1.cli("volume","start","qv")
    n1.cli("volume","quota","qv","enable")
    n1.cli("volume","quota","qv","hard-timeout","0")
    os.makedirs(mnt)
    subprocess.run(["mount","-t","glusterfs",f"{n1.address}:/qv",mnt], check=True)
    os.makedirs(f"{mnt}/data"); os.makedirs(f"{mnt}/objs")
    n1.cli("volume","quota","qv","limit-usage","/data","10MB","70%")
    n1.cli("volume","quota","qv","limit-usage","/","1GB")
    n1.cli("volume","quota","qv","limit-objects","/objs","5")
    with open(f"{mnt}/data/f1","wb") as f: f.write(os.urandom(8*1024*1024))
    for i in range(3): open(f"{mnt}/objs/o{i}","w").close()
    time.sleep(3)
    print(subprocess.run(["ls", "-la", "/var/run/gluster/quotad.socket"], capture_output=True, text=True).stdout)
    print(subprocess.run(["find", base, "/var/run/gluster", "-name", "quotad*", "-not", "-name", "*.socket*"], capture_output=True, text=True).stdout)
    os.makedirs("/var/lib/glusterd", exist_ok=True)
    print(subprocess.run(["nsenter","-t",str(n1.pid),"-m","--","mount","--bind",n1.workdir,"/var/lib/glusterd"], capture_output=True, text=True))
    made = not os.path.exists("/var/run/gluster/quotad")
    os.makedirs("/var/run/gluster/quotad", exist_ok=True)
    print(subprocess.run(["nsenter","-t",str(n1.pid),"-m","--","mount","--bind",os.path.join(n1.rundir,"quotad"),"/var/run/gluster/quotad"], capture_output=True, text=True))
    def ns(*args):
        return subprocess.run(["nsenter","-t",str(n1.pid),"-m","--","gluster","--mode=script","--xml",f"--glusterd-sock={n1.socket}",*args], capture_output=True, text=True)
    for name, args in (("quota_list", ["volume","quota","qv","list"]), ("quota_list_objects", ["volume","quota","qv","list-objects"]), ("quota_list_path", ["volume","quota","qv","list","/data"])):
        p = ns(*args)
        out[name] = p.stdout
        print("==", name, p.returncode, p.stdout[:3000], p.stderr[:500])
finally:
    subprocess.run(["umount", mnt])
    c.stop()
    json.dump(out, open("/tmp/quota_out.json","w"))
    if made: os.rmdir("/var/run/gluster/quotad")
    subprocess.run(["rm","-rf",base])
