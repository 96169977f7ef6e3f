namespace SevenStamp.Connectors.Host.Components;

/// <summary>
/// The text people read on the pages, looked up through <c>IStringLocalizer&lt;Text&gt;</c> with the English text as
/// the key: a language is added as <c>Text.{culture}.resx</c> beside this file; a text not yet translated shows in
/// English.
/// </summary>
public sealed class Text;
