namespace SevenStamp.Connectors.Host.Components.Pages.Scanner;

/// <summary>
/// A scanner page customers use themselves (the kiosk at a stand): the scanner's layout shows them no staff name, no
/// sign-out and no way to the console or the staff's modes, only a small staff sign-in that asks for a staff account.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CustomerScreenAttribute : Attribute;
