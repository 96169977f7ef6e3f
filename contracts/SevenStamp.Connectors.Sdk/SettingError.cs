namespace SevenStamp.Connectors.Sdk;

/// <summary>A problem with one setting: which field, and what is wrong and how to fix it.</summary>
public sealed record SettingError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
