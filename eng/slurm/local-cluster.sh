#!/usr/bin/env bash
# A single-node Slurm cluster on loopback, owned by the caller: for trying `repro sweep --backend slurm` on one
# machine and for the tests that sweep through a real Slurm. Needs root (munged runs as user munge, slurmd as root).
#
#   eng/slurm/local-cluster.sh start DIR   installs slurm-wlm + munge from Debian if missing, writes DIR/slurm.conf
#                                          (this machine's cores and 90% of its memory, one partition "repro"),
#                                          starts its own munged, slurmctld and slurmd (ports and sockets of its own,
#                                          so two such clusters can run on one machine), waits until the node is
#                                          idle, and prints `export SLURM_CONF=DIR/slurm.conf`.
#   eng/slurm/local-cluster.sh stop DIR    stops the daemons that `start DIR` started.
#
# Exit codes: 0 up (or stopped), 3 Slurm cannot be installed or started here (the reason on stderr; tests skip on it).
set -uo pipefail
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
unavailable() { echo "local-cluster: $*" >&2; exit 3; }

stop() {
  for name in slurmd slurmctld munged; do
    pidfile="$dir/$name.owned-pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    rm -f "$pidfile"
  done
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || unavailable "needs root to run munged and slurmd (running as $(id -un))"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  command -v apt-get >/dev/null || unavailable "slurm-wlm is not installed and there is no apt-get to install it"
  echo "local-cluster: installing slurm-wlm and munge (Debian packages) ..." >&2
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends slurm-wlm munge; } \
    >"${TMPDIR:-/tmp}/repro-slurm-install.log" 2>&1 \
    || unavailable "apt-get could not install slurm-wlm and munge (see ${TMPDIR:-/tmp}/repro-slurm-install.log)"
fi

mkdir -p "$dir"/{state,spool,log}
dir=$(cd "$dir" && pwd)
host=$(hostname -s)
cpus=$(nproc)
memory_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) * 9 / 10 / 1024 ))
# Ports of its own (two clusters on one machine, say a test run beside CI, must not meet): the first free pair
# from a start that differs between processes.
free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=$(( 20000 + ($$ * 7) % 30000 ))
while ! free "$port" || ! free $((port + 1)); do port=$((port + 2)); done
conf="$dir/slurm.conf"
cat >"$conf" <<CONF
ClusterName=repro-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=repro Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

# A munged of its own (its socket, key copy, pid and seed under DIR/munge), run as user munge.
[ -f /etc/munge/munge.key ] || unavailable "no /etc/munge/munge.key (the munge package creates it)"
install -d -o munge -g munge -m 0711 "$dir/munge"
install -o munge -g munge -m 0400 /etc/munge/munge.key "$dir/munge/munge.key"
socket="$dir/munge/munge.socket"
runuser -u munge -- /usr/sbin/munged --foreground --force --socket="$socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" --log-file="$dir/munge/munged.log" \
  >"$dir/log/munged.out" 2>&1 &
echo $! >"$dir/munged.owned-pid"
for _ in $(seq 50); do { munge -S "$socket" -n | unmunge -S "$socket"; } >/dev/null 2>&1 && break; sleep 0.1; done
{ munge -S "$socket" -n | unmunge -S "$socket"; } >/dev/null 2>&1 || { stop; unavailable "munged did not start (see $dir/log/munged.out)"; }
echo "AuthInfo=socket=$socket" >>"$conf"

export SLURM_CONF="$conf"
slurmctld -D -f "$conf" >"$dir/log/slurmctld.out" 2>&1 &
echo $! >"$dir/slurmctld.owned-pid"
slurmd -D -f "$conf" >"$dir/log/slurmd.out" 2>&1 &
echo $! >"$dir/slurmd.owned-pid"
for _ in $(seq 300); do
  state=$(sinfo -h -o %T 2>/dev/null | head -n 1)
  [ "$state" = idle ] && break
  sleep 0.1
done
[ "$state" = idle ] || { stop; unavailable "the node did not become idle (state '${state:-none}'; see $dir/log/)"; }
echo "export SLURM_CONF=$conf"
