using System.Globalization;
using System.Text;

namespace SevenStamp.Loyalty.Data;

/// <summary>
/// Raw SQL with EF Core's <c>{n}</c> placeholders, built together with its parameters so that their numbers always
/// match: every value goes in as a parameter, never as text. For the multi-row statements of the batches.
/// </summary>
public sealed class SqlText(string start)
{
    private readonly StringBuilder _text = new(start);
    private readonly List<object> _parameters = [];

    public string Text => _text.ToString();

    public object[] Parameters => [.. _parameters];

    /// <summary>Adds <paramref name="value"/> as a parameter and returns its placeholder, to use once or several times.</summary>
    public string Parameter(object value)
    {
        _parameters.Add(value);
        return string.Create(CultureInfo.InvariantCulture, $"{{{_parameters.Count - 1}}}");
    }

    public SqlText Append(string text)
    {
        _text.Append(text);
        return this;
    }

    /// <summary>Appends <c>(a, b, …), (c, d, …)</c>: one parenthesised list per item, of the placeholders or SQL <paramref name="row"/> gives.</summary>
    public SqlText Rows<T>(IEnumerable<T> items, Func<T, IEnumerable<string>> row)
    {
        ArgumentNullException.ThrowIfNull(row);
        _text.AppendJoin(", ", items.Select(item => "(" + string.Join(", ", row(item)) + ")"));
        return this;
    }
}
