using System.Globalization;

namespace SevenStamp.Benchmarks;

/// <summary>
/// What a phase cost in CPU: the host's own CPU time and the whole machine's busy share over the same interval
/// (from /proc/stat), so a run tells a host short of CPU from one waiting on something else.
/// </summary>
internal sealed class CpuMeter
{
    private readonly IReadOnlyList<HostUnderTest> _hosts;
    private readonly TimeSpan _hostStart;
    private readonly (long Busy, long Total) _machineStart;

    private CpuMeter(IReadOnlyList<HostUnderTest> hosts)
    {
        _hosts = hosts;
        _hostStart = CpuTime(hosts);
        _machineStart = ReadMachine();
    }

    public static CpuMeter Start(HostUnderTest host) => new([host]);

    /// <summary>The CPU of several hosts (replicas) together.</summary>
    public static CpuMeter Start(IReadOnlyList<HostUnderTest> hosts) => new(hosts);

    /// <summary>Host CPU milliseconds per unit of work (all the hosts together), and the machine's busy share (0–1) since the start.</summary>
    public (double HostMsPerItem, double MachineBusy) Stop(int items)
    {
        var host = CpuTime(_hosts) - _hostStart;
        var (busy, total) = ReadMachine();
        var machine = total > _machineStart.Total ? (double)(busy - _machineStart.Busy) / (total - _machineStart.Total) : 0;
        return (host.TotalMilliseconds / Math.Max(1, items), machine);
    }

    private static TimeSpan CpuTime(IReadOnlyList<HostUnderTest> hosts) => hosts.Aggregate(TimeSpan.Zero, (sum, h) => sum + h.CpuTime);

    private static (long Busy, long Total) ReadMachine()
    {
        try
        {
            // cpu  user nice system idle iowait irq softirq steal ...
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var total = fields.Take(8).Sum();
            var idle = fields[3] + fields[4];
            return (total - idle, total);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }
}
