//! A confirmation dialog before anything destructive: a native modal
//! `<dialog>` (focus moves into it, Escape cancels, focus returns after).

use crate::hooks::next_id;
use leptos::html;
use leptos::prelude::*;

/// Asks before doing something; `on_confirm` runs only on confirmation.
#[component]
pub fn ConfirmDialog(
    open: RwSignal<bool>,
    #[prop(into)] title: Signal<String>,
    #[prop(into)] confirm_label: String,
    #[prop(optional, into)] destructive: Signal<bool>,
    #[prop(into)] on_confirm: Callback<()>,
    children: ChildrenFn,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        let wanted = open.get();
        if let Some(d) = dialog.get() {
            if wanted && !d.open() {
                let _ = d.show_modal();
            } else if !wanted && d.open() {
                d.close();
            }
        }
    });
    let id = next_id("dialog");
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <dialog
            node_ref=dialog
            class="dialog"
            aria-labelledby=labelled_by
            on:close=move |_| open.set(false)
        >
            <form on:submit=move |ev| {
                ev.prevent_default();
                open.set(false);
                on_confirm.run(());
            }>
                <h2 id=title_id>{move || title.get()}</h2>
                <div class="dialog-body">{move || open.get().then(|| children())}</div>
                <div class="actions">
                    <button type="button" class="btn" autofocus=true on:click=move |_| open.set(false)>
                        "Cancel"
                    </button>
                    <button type="submit" class=move || if destructive.get() { "btn danger" } else { "btn primary" }>
                        {confirm_label}
                    </button>
                </div>
            </form>
        </dialog>
    }
}
