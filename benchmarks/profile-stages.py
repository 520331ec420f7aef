#!/usr/bin/env python3
"""Where a Kafka Streams thread of the monitor spends its time, from a JFR recording.

  CANOPY_JAVA_OPTS="-Xmx3g -XX:StartFlightRecording=filename=bench.jfr,settings=profile" \
      ./canopy bench --workload production --form token --events 400000
  jfr print --stack-depth 60 --events jdk.ExecutionSample bench.jfr > samples.txt
  python3 benchmarks/profile-stages.py samples.txt canopy-bench-prod-token- passthrough

Arguments: the printed samples, a substring of the thread name to keep, a substring to drop.
Each sample goes to the innermost topology stage on its stack (aggregate, shift, assemble, validate),
else to the Streams runtime part it is in. JFR samples only threads running Java code, so a thread
waiting for a core on a loaded machine is not counted: these are shares of the thread's CPU time.
"""
import re, sys, collections
txt=open(sys.argv[1]).read(); want=sys.argv[2]; excl=sys.argv[3]
cat=collections.Counter(); n=0
def has(fr,*ks): return any(k in f for f in fr for k in ks)
for e in txt.split('jdk.ExecutionSample {')[1:]:
    m=re.search(r'sampledThread = "([^"]*)"',e)
    if not m or want not in m.group(1) or excl in m.group(1) or 'stackTrace = [' not in e: continue
    fr=[f.strip() for f in e.split('stackTrace = [')[1].split('\n  ]')[0].split('\n') if f.strip() and f.strip()!='...']
    n+=1
    if has(fr,'AggregateProcessor'): c='aggregate + windows (AggregateProcessor)'
    elif has(fr,'ShiftProcessor'): c='shift detector'
    elif has(fr,'AssembleProcessor'):
        if has(fr,'AssembleProcessor$1.get'): c='assemble: state get (cache/RocksDB + fromBytes)'
        elif has(fr,'AssembleProcessor$1.put','markCompleted'): c='assemble: state put (cache, changelog)'
        elif has(fr,'RecordCollector','SinkNode'): c='assemble: forward to next repartition'
        else: c='assemble: assembler logic'
    elif has(fr,'ValidateProcessor'):
        if has(fr,'EventParser'): c='parse (EventParser)'
        elif has(fr,'RecordCollector','SinkNode'): c='validate: write to repartition topic'
        else: c='validate: other'
    elif has(fr,'commitTransaction','sendOffsetsToTransaction','commitOffsetsOrTransaction','TaskManager.commit','TaskExecutor.commit','flush'): c='commit / flush (txn, cache flush, changelog)'
    elif has(fr,'poll','Fetch'): c='consumer poll / fetch'
    elif has(fr,'RecordQueue','PartitionGroup','addRecordsToTasks','RecordDeserializer'): c='record queue / deserialise (Streams)'
    else: c='other Streams runtime'
    cat[c]+=1
print('samples',n)
for k,v in cat.most_common(): print(f'{100*v/n:5.1f}%  {k}')
