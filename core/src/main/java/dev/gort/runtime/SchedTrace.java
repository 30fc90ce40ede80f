package dev.gort.runtime;

import java.util.concurrent.TimeUnit;

/**
 * GODEBUG=schedtrace=N,scheddetail=1 (or -Dgort.schedtrace=N, -Dgort.scheddetail=1): every N ms,
 * print Go's scheduler summary line, and with scheddetail Go's per-P, per-M and per-G lines.
 * The values are read without locks, as Go's schedtrace reads them: a racy snapshot. Programs read
 * one report through Go.schedtrace (its javadoc is the format's contract).
 */
final class SchedTrace {
    private SchedTrace() {}

    /** Proc.schedinit: with schedtrace=N, a daemon thread prints a report to stderr every N ms. */
    static void startIfConfigured() {
        long periodMs = setting("schedtrace");
        if (periodMs <= 0) {
            return;
        }
        boolean detail = setting("scheddetail") > 0;
        Thread.ofPlatform().daemon().name("gort-schedtrace").start(() -> {
            for (;;) {
                try {
                    TimeUnit.MILLISECONDS.sleep(periodMs);
                } catch (InterruptedException e) {
                    return;
                }
                System.err.print(schedtrace(detail));
            }
        });
    }

    /** Reads -Dgort.NAME, else NAME=value in the GODEBUG environment variable; 0 if absent. */
    static long setting(String name) {
        String v = System.getProperty("gort." + name);
        if (v == null) {
            String gd = System.getenv("GODEBUG");
            if (gd != null) {
                for (String kv : gd.split(",")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0 && kv.substring(0, eq).trim().equals(name)) {
                        v = kv.substring(eq + 1).trim();
                    }
                }
            }
        }
        try {
            return v == null ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** One schedtrace report, Go's format. */
    static String schedtrace(boolean detail) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - Proc.startNanos);
        P[] ps = Proc.allp;
        int n = Math.min(Proc.gomaxprocs, ps.length);
        StringBuilder sb = new StringBuilder();
        sb.append("SCHED ").append(ms).append("ms: gomaxprocs=").append(Proc.gomaxprocs)
                .append(" idleprocs=").append(Proc.npidle.get())
                .append(" threads=").append(Proc.mcount)
                .append(" spinningthreads=").append(Proc.nmspinning.get())
                .append(" idlethreads=").append(Proc.nmidle())
                .append(" runqueue=").append(Proc.globalRunqSize());
        if (detail) {
            sb.append(" nmidlelocked=").append(Proc.nmidlelocked())
                    .append(" sysmonwait=").append(Sysmon.sysmonwait ? 1 : 0)
                    .append(" retakes=").append(Sysmon.retakes);
        }
        if (!detail) {
            sb.append(" [");
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    sb.append(' ');
                }
                sb.append(ps[i].runqsize());
            }
            sb.append("]\n");
            return sb.toString();
        }
        sb.append('\n');
        for (int i = 0; i < n; i++) {
            P pp = ps[i];
            M mp = pp.m;
            sb.append("  P").append(pp.id).append(": status=").append(pp.status.ordinal())
                    .append(" schedtick=").append(pp.schedtickOpaque())
                    .append(" syscalltick=").append(pp.syscalltick)
                    .append(" m=").append(mp != null ? mp.mid : -1)
                    .append(" runqsize=").append(pp.runqsize())
                    .append(" runs=").append(pp.runsOpaque())
                    .append(" steals=").append(pp.steals)
                    .append('\n');
        }
        for (M mp : Proc.allm) {
            P pp = mp.p;
            G gp = mp.curg;
            sb.append("  M").append(mp.mid).append(": p=").append(pp != null ? pp.id : -1)
                    .append(" curg=").append(gp != null ? gp.goid : -1)
                    .append(" spinning=").append(mp.spinning)
                    .append('\n');
        }
        for (G gp : Proc.allgs) {
            GStatus st = gp.status();
            M mp = st == GStatus.RUNNING ? gp.m : null; // the M that last ran it otherwise (G.m)
            sb.append("  G").append(gp.goid).append(": status=").append(st.ordinal());
            if (st == GStatus.WAITING) {
                WaitReason r = gp.waitreason;
                sb.append('(').append(r != null ? r.goName : WaitReason.JDK_PARK.goName).append(')');
            }
            sb.append(" m=").append(mp != null ? mp.mid : -1).append('\n');
        }
        return sb.toString();
    }
}
