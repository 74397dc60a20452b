//! Where the CPU went during a run: the app processes, PostgreSQL (all its processes),
//! this load generator (with its SMTP sink) and everything else, from /proc (Linux;
//! elsewhere every figure is 0). "Everything else" is the machine's busy time
//! (`/proc/stat`) less the named processes': on this VM the kernel's worker threads
//! report CPU time in `/proc/<pid>/stat` while the machine is idle (20–30 % each), so
//! adding up the other processes gave up to 150 % more than the cores had.
use std::collections::HashMap;
use std::time::Instant;

/// CPU time used so far by each live process (clock ticks of user + system time).
fn ticks_by_process() -> HashMap<u32, (String, u64)> {
    let mut out = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else { return out };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // "pid (comm) state ppid …": comm may hold spaces, so split after its last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let comm = stat[open + 1..close].to_string();
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after comm.
        let used = fields.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0) + fields.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        out.insert(pid, (comm, used));
    }
    out
}

/// Clock ticks the whole machine has been busy (all but idle and waiting for I/O), and
/// of those, the ticks the host gave to other machines (steal): a run slower than the
/// last with the same code may have had less of the cores than it seemed.
fn busy_ticks() -> (u64, u64) {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else { return (0, 0) };
    let Some(cpu) = stat.lines().next() else { return (0, 0) };
    let fields: Vec<u64> = cpu.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is counted in user).
    let busy = fields.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, t)| t).sum();
    (busy, fields.get(7).copied().unwrap_or(0))
}

/// The CPU of one run, measured between `start` and `finish`.
pub struct CpuUse {
    started: Instant,
    before: HashMap<u32, (String, u64)>,
    busy_before: (u64, u64),
}

impl CpuUse {
    pub fn start() -> CpuUse {
        CpuUse { started: Instant::now(), before: ticks_by_process(), busy_before: busy_ticks() }
    }

    /// "apps 61 %, PostgreSQL 52 %, load generator 38 %, other 9 % (of one core; 2 cores = 200 %)".
    pub fn finish(self, app_pids: &[u32]) -> String {
        self.finish_as("during the run", app_pids)
    }

    /// As `finish`, the stretch measured named `stretch` ("during the run").
    pub fn finish_as(self, stretch: &str, app_pids: &[u32]) -> String {
        let after = ticks_by_process();
        let wall = self.started.elapsed().as_secs_f64().max(0.001);
        // SAFETY: sysconf only reads a constant.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let me = std::process::id();
        let (busy_now, steal_now) = busy_ticks();
        let (busy, steal) = (busy_now.saturating_sub(self.busy_before.0), steal_now.saturating_sub(self.busy_before.1));
        let (mut apps, mut postgres, mut generator) = (0u64, 0u64, 0u64);
        for (pid, (comm, used)) in &after {
            // A process that started during the run counts from zero.
            let used = used.saturating_sub(self.before.get(pid).filter(|(c, _)| c == comm).map_or(0, |(_, u)| *u));
            if app_pids.contains(pid) {
                apps += used;
            } else if comm == "postgres" {
                postgres += used;
            } else if *pid == me {
                generator += used;
            }
        }
        let other = busy.saturating_sub(apps + postgres + generator + steal);
        let share = |ticks: u64| ticks as f64 / hz / wall * 100.0;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        format!(
            "CPU {stretch} (100 % = one core busy; {cores} cores = {}) — app processes {:.0} %, PostgreSQL {:.0} %, load generator and SMTP sink {:.0} %, everything else {:.0} %, taken by the host (steal) {:.0} %, idle {:.0} %",
            cores * 100,
            share(apps),
            share(postgres),
            share(generator),
            share(other),
            share(steal),
            (cores as f64 * 100.0 - share(busy)).max(0.0)
        )
    }
}
