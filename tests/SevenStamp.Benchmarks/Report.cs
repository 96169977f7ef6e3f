using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace SevenStamp.Benchmarks;

/// <summary>One figure of the run: its value, the baseline it is compared with, and its target.</summary>
internal sealed record Figure(string Name, double Value, string Unit, double? Baseline, string Target, bool? Pass, string? Note = null)
{
    public double? Ratio => Baseline is > 0 ? Value / Baseline : null;
}

/// <summary>The table the harness prints and writes into benchmarks.md, with a description of the machine.</summary>
internal sealed class Report
{
    public const string StartMarker = "<!-- results:start (written by the harness; everything outside the markers is kept) -->";
    public const string EndMarker = "<!-- results:end -->";

    private readonly List<Figure> _figures = [];
    private readonly List<string> _notes = [];

    public IReadOnlyList<Figure> Figures => _figures;

    public string Machine { get; set; } = string.Empty;

    public void Add(Figure figure) => _figures.Add(figure);

    public void Note(string note) => _notes.Add(note);

    public string Table()
    {
        var text = new StringBuilder();
        text.AppendLine("| figure | value | baseline | ratio | target | result |");
        text.AppendLine("| --- | ---: | ---: | ---: | --- | --- |");
        foreach (var f in _figures)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {f.Name} | {Format(f.Value)} {f.Unit} | ")
                .Append(f.Baseline is { } b ? Format(b) : "—").Append(" | ")
                .Append(f.Ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "—").Append(" | ")
                .Append(f.Target).Append(" | ")
                .Append(f.Pass switch { true => "pass", false => "**FAIL**", null => "—" })
                .AppendLine(" |");
        }

        return text.ToString();
    }

    public string Markdown(DateTimeOffset at, string mode) =>
        Markdown(StartMarker, EndMarker, string.Create(CultureInfo.InvariantCulture, $"### Latest run: {at:yyyy-MM-dd HH:mm} UTC ({mode})"));

    /// <summary>The machine, the table and the notes between <paramref name="startMarker"/> and <paramref name="endMarker"/>, under <paramref name="heading"/>.</summary>
    public string Markdown(string startMarker, string endMarker, string heading)
    {
        var text = new StringBuilder();
        text.AppendLine(startMarker);
        text.AppendLine(heading);
        text.AppendLine();
        text.AppendLine(Machine);
        text.AppendLine();
        text.Append(Table());
        if (_notes.Count > 0)
        {
            text.AppendLine();
            foreach (var note in _notes)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
            }
        }

        text.AppendLine(endMarker);
        return text.ToString();
    }

    /// <summary>Replaces the results block of <paramref name="path"/> (creating the file if needed), keeping the hand-written rest.</summary>
    public Task WriteAsync(string path, string mode) => ReplaceBlockAsync(path, StartMarker, EndMarker, Markdown(DateTimeOffset.UtcNow, mode));

    /// <summary>
    /// Replaces the block between <paramref name="startMarker"/> and <paramref name="endMarker"/> of <paramref name="path"/>
    /// with <paramref name="block"/> (appending it the first time, creating the file if needed), keeping the rest.
    /// </summary>
    public static async Task ReplaceBlockAsync(string path, string startMarker, string endMarker, string block)
    {
        var existing = File.Exists(path) ? await File.ReadAllTextAsync(path) : "# Benchmarks\n\n";
        var start = existing.IndexOf(startMarker, StringComparison.Ordinal);
        var end = existing.IndexOf(endMarker, StringComparison.Ordinal);
        var updated = start >= 0 && end > start
            ? string.Concat(existing.AsSpan(0, start), block.TrimEnd('\n'), existing.AsSpan(end + endMarker.Length))
            : existing.TrimEnd('\n') + "\n\n" + block;
        await File.WriteAllTextAsync(path, updated);
    }

    public static string Percentile(List<double> values, double p, out double result)
    {
        if (values.Count == 0)
        {
            result = double.NaN;
            return "n/a";
        }

        values.Sort();
        var index = (int)Math.Ceiling(p / 100 * values.Count) - 1;
        result = values[Math.Clamp(index, 0, values.Count - 1)];
        return result.ToString("0.0", CultureInfo.InvariantCulture);
    }

    public static double Percentile(List<double> values, double p)
    {
        Percentile(values, p, out var result);
        return result;
    }

    public static string DescribeMachine(string? rabbitVersion, string? postgresVersion, string? sqliteVersion)
    {
        var cpu = ReadFirst("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memory = ReadFirst("/proc/meminfo", "MemTotal");
        return string.Join(
            Environment.NewLine,
            $"- Machine: {Environment.ProcessorCount} cores ({cpu}), {(memory is null ? "unknown" : FormatKb(memory))} RAM, {RuntimeInformation.OSDescription}",
            $"- .NET {Environment.Version} ({RuntimeInformation.FrameworkDescription}), the host {(HostUnderTest.HostDirectory == AppContext.BaseDirectory ? "built in Release" : "published as the image ships it (ReadyToRun)")} and run with dotnet (workstation GC)",
            $"- RabbitMQ {rabbitVersion ?? "unknown"}; PostgreSQL {postgresVersion ?? "not run"}; SQLite {sqliteVersion ?? "unknown"}",
            $"- Load average at the end of the run: {ReadLoad()} (other builds share the machine: compare ratios, not absolute numbers)");
    }

    private static string Format(double value) => double.IsNaN(value)
        ? "n/a"
        : value >= 100 ? value.ToString("#,0", CultureInfo.InvariantCulture) : value.ToString("0.0#", CultureInfo.InvariantCulture);

    private static string FormatKb(string memTotal)
    {
        var kb = long.Parse(memTotal.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
        return (kb / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " GiB";
    }

    private static string? ReadFirst(string file, string key)
    {
        try
        {
            return File.ReadLines(file).Where(l => l.StartsWith(key, StringComparison.Ordinal)).Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string ReadLoad()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
