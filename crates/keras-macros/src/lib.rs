//! `#[derive(Layer)]` for subclassed keras-rs layers and models.
//!
//! The struct needs a `base: LayerBase` field and implements `keras::layers::Module` (its
//! `call`, and optionally `build` and `compute_output_spec`). The derive writes the
//! `keras::layers::Layer` impl: the class name (the struct's name), the sublayer walk over
//! every other field (fields of non-layer types are skipped automatically when their type is
//! a plain value type; mark others `#[keras(skip)]`), the config keys of `Module::config`,
//! and, with `#[keras(model)]` on the struct, Keras's `model.layers` list (direct sublayers
//! in field order) and the way to its `Trainer` (a model implements
//! `keras::trainers::Trainer`, empty for the default steps).
//!
//! `#[keras(registered_name = "package>Name")]` on the struct names the class as
//! `keras.saving.register_keras_serializable(package, name)` does; register its
//! constructor under the same name with `keras::saving::register_layer`.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, Data, DeriveInput, Fields};

/// What `#[keras(...)]` attributes say: flags (`model`, `skip`) and
/// `registered_name = "..."`.
#[derive(Default)]
struct KerasAttrs {
    model: bool,
    skip: bool,
    registered_name: Option<syn::LitStr>,
}

fn keras_attrs(attrs: &[syn::Attribute]) -> syn::Result<KerasAttrs> {
    let mut out = KerasAttrs::default();
    for a in attrs.iter().filter(|a| a.path().is_ident("keras")) {
        a.parse_nested_meta(|m| {
            if m.path.is_ident("model") {
                out.model = true;
            } else if m.path.is_ident("skip") {
                out.skip = true;
            } else if m.path.is_ident("registered_name") {
                out.registered_name = Some(m.value()?.parse()?);
            } else {
                return Err(m.error(
                    "unknown keras attribute (expected model, skip or registered_name = \"package>Name\")",
                ));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// Derives `keras::layers::Layer` for a struct holding `base: LayerBase` and sublayer fields.
#[proc_macro_derive(Layer, attributes(keras))]
pub fn derive_layer(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    let name = &input.ident;
    let class = name.to_string();
    let attrs = match keras_attrs(&input.attrs) {
        Ok(a) => a,
        Err(e) => return e.to_compile_error().into(),
    };
    let Data::Struct(data) = &input.data else {
        return syn::Error::new_spanned(name, "#[derive(Layer)] needs a struct")
            .to_compile_error()
            .into();
    };
    let Fields::Named(fields) = &data.fields else {
        return syn::Error::new_spanned(name, "#[derive(Layer)] needs named fields")
            .to_compile_error()
            .into();
    };
    if !fields
        .named
        .iter()
        .any(|f| f.ident.as_ref().is_some_and(|i| i == "base"))
    {
        return syn::Error::new_spanned(name, "#[derive(Layer)] needs a `base: LayerBase` field")
            .to_compile_error()
            .into();
    }
    let mut visited = Vec::new();
    for f in fields
        .named
        .iter()
        .filter(|f| f.ident.as_ref().is_some_and(|i| i != "base"))
    {
        match keras_attrs(&f.attrs) {
            Ok(a) if a.skip => {}
            Ok(_) => visited.push(f.ident.clone().expect("named field")),
            Err(e) => return e.to_compile_error().into(),
        }
    }
    // Keras's attribute order: public names sorted, then `_private` ones.
    let mut sorted = visited.clone();
    sorted.sort_by_key(|i| {
        let s = i.to_string();
        if s.starts_with('_') {
            format!("~{s}")
        } else {
            s
        }
    });
    let attr_visits = sorted.iter().map(|f| {
        let fname = f.to_string();
        quote! { ::keras::layers::SublayerField::visit_field(&self.#f, #fname, f); }
    });
    let model_visits = if attrs.model {
        let in_order = visited.iter().map(|f| {
            quote! { ::keras::layers::SublayerField::collect_layers(&self.#f, &mut __layers); }
        });
        quote! {
            let mut __layers: ::std::vec::Vec<&'a dyn ::keras::layers::Layer> = ::std::vec::Vec::new();
            #(#in_order)*
            for (i, l) in __layers.into_iter().enumerate() {
                f(&format!("layers[{i}]"), l);
            }
        }
    } else {
        quote! {}
    };
    // A model is a Layer with a Trainer (Keras's `Model`).
    let as_trainer = if attrs.model {
        quote! {
            fn as_trainer(&self) -> ::std::option::Option<&dyn ::keras::trainers::Trainer> {
                ::std::option::Option::Some(self)
            }
        }
    } else {
        quote! {}
    };
    let registered = match &attrs.registered_name {
        Some(n) => quote! {
            fn registered_name(&self) -> ::std::option::Option<::std::string::String> {
                ::std::option::Option::Some(::std::string::String::from(#n))
            }
        },
        None => quote! {},
    };
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    quote! {
        impl #impl_g ::keras::layers::Layer for #name #ty_g #where_g {
            fn base(&self) -> &::keras::layers::LayerBase { &self.base }
            fn class_name(&self) -> &str { #class }
            fn module(&self) -> &str { "__main__" }
            #registered
            fn layer_config(&self) -> ::keras::saving::object::Config {
                ::keras::layers::Module::config(self)
            }
            fn build(&self, shapes: &[::keras::layers::ShapeSpec]) -> ::keras::Result<()> {
                ::keras::layers::Module::build(self, shapes)
            }
            fn call(
                &self,
                inputs: &[::keras::Tensor],
                args: &::keras::layers::CallArgs,
            ) -> ::keras::Result<::std::vec::Vec<::keras::Tensor>> {
                ::keras::layers::Module::call(self, inputs, args)
            }
            fn compute_output_spec(
                &self,
                inputs: &[::keras::layers::TensorSpec],
            ) -> ::keras::Result<::std::vec::Vec<::keras::layers::TensorSpec>> {
                ::keras::layers::Module::compute_output_spec(self, inputs)
            }
            fn visit_sublayers<'a>(&'a self, f: &mut dyn FnMut(&str, &'a dyn ::keras::layers::Layer)) {
                #model_visits
                #(#attr_visits)*
            }
            #as_trainer
            fn as_any(&self) -> &dyn ::std::any::Any { self }
        }
    }
    .into()
}
