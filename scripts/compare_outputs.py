#!/usr/bin/env python3
"""Compares two output sets of scripts/capture_outputs.sh (before, after) field by field, except timing fields.

Independent of the Java code: reads summary.json, stitching.json and TUM files as text, geometry-frames.avro with
Debian's python3-avro, hashes every payload object. Usage: compare_outputs.py BEFORE_DIR AFTER_DIR.
Last line: identical_except_timing=true|false (exit 0 only when true).
"""
import json,sys,os,hashlib,glob
B,A=sys.argv[1],sys.argv[2]
import avro.datafile, avro.io
def strip(o, drop):
    if isinstance(o,dict): return {k:strip(v,drop) for k,v in o.items() if k not in drop}
    if isinstance(o,list): return [strip(v,drop) for v in o]
    return o
TIMING={'wall_s','ms_per_frame','processingLatencyMillis','ms_per_frame_median'}
def avro_records(p):
    with open(p,'rb') as f:
        r=avro.datafile.DataFileReader(f,avro.io.DatumReader())
        return sorted((json.dumps(strip(x,TIMING),sort_keys=True,default=str) for x in r))
ok=True
for s in (1,2,3):
    a=strip(json.load(open(B+f'/demo-{s}/summary.json')),TIMING); b=strip(json.load(open(A+f'/demo-{s}/summary.json')),TIMING)
    r1=avro_records(B+f'/demo-{s}/geometry-frames.avro'); r2=avro_records(A+f'/demo-{s}/geometry-frames.avro')
    def objs(d):
        out={}
        for p in glob.glob(d+'/**',recursive=True):
            if os.path.isfile(p): out[os.path.relpath(p,d)]=hashlib.sha256(open(p,'rb').read()).hexdigest()
        return out
    o1=objs(B+f'/demo-{s}/objects'); o2=objs(A+f'/demo-{s}/objects')
    same_keys = set(o1)==set(o2)
    same_content = same_keys and o1==o2
    print(f'demo {s}: summary {"same" if a==b else "DIFF"}; records {len(r1)} vs {len(r2)} {"same" if r1==r2 else "DIFF"}; objects {len(o1)} vs {len(o2)} keys {"same" if same_keys else "DIFF"} content {"same" if same_content else "DIFF"}')
    if a!=b or r1!=r2 or not same_content: ok=False
    e1=strip(json.load(open(B+f'/eval-{s}/stitching.json')),TIMING); e2=strip(json.load(open(A+f'/eval-{s}/stitching.json')),TIMING)
    tums=all(open(p,'rb').read()==open(A+p[len(B):],'rb').read() for p in glob.glob(B+f'/eval-{s}/*.tum'))
    print(f'eval {s}: stitching.json {"same" if e1==e2 else "DIFF"}; tum files {"same" if tums else "DIFF"}')
    if e1!=e2 or not tums: ok=False
    def chaos(p):
        lines=open(p).read().strip().split('\n')
        out=[]
        for l in lines:
            out.append(' '.join(t for t in l.split() if not t.startswith(('wall_s=','last_completed_checkpoint='))))
        return out
    c1=chaos(B+f'/chaos-{s}.stdout'); c2=chaos(A+f'/chaos-{s}.stdout')
    print(f'chaos {s}: {"same" if c1==c2 else "DIFF"} {c2[-2:]}')
    if c1!=c2: ok=False
print('identical_except_timing=%s'%str(ok).lower())
sys.exit(0 if ok else 1)
