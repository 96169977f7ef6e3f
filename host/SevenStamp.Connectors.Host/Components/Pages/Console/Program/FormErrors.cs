using Microsoft.AspNetCore.Components.Forms;

namespace SevenStamp.Connectors.Host.Components.Pages.Console.Program;

/// <summary>
/// Marks a form's fields invalid in its <see cref="EditContext"/>: the framework's inputs (InputText, InputSelect…) set
/// their own aria-invalid from it, and drop one given as an attribute (as <c>FieldError.For</c> does), so the page
/// puts the service's errors there as well as beside each field.
/// </summary>
internal static class FormErrors
{
    public static void Show(EditContext form, ValidationMessageStore store, IReadOnlyDictionary<string, string[]>? errors)
    {
        store.Clear();
        foreach (var (field, messages) in errors ?? new Dictionary<string, string[]>())
        {
            store.Add(form.Field(field), messages);
        }

        form.NotifyValidationStateChanged();
    }
}
