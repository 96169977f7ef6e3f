using Microsoft.AspNetCore.Components.Forms;

namespace SevenStamp.Connectors.Host.Components.Shared;

/// <summary>
/// Marks a form's fields invalid in its <see cref="EditContext"/>: the framework's inputs (InputText, InputSelect…) set
/// their own aria-invalid from it, and drop one given as an attribute (as <c>FieldError.For</c> does), so the page
/// puts the service's errors there as well as beside each field.
/// </summary>
public static class FormErrors
{
    public static void Show(EditContext form, ValidationMessageStore store, IReadOnlyDictionary<string, string[]>? errors)
    {
        ArgumentNullException.ThrowIfNull(form);
        ArgumentNullException.ThrowIfNull(store);
        store.Clear();
        foreach (var (field, messages) in errors ?? new Dictionary<string, string[]>())
        {
            // The services name fields as the API does (userName); the form's model has UserName.
            var property = form.Model.GetType().GetProperty(field, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            store.Add(form.Field(property?.Name ?? field), messages);
        }

        form.NotifyValidationStateChanged();
    }
}
