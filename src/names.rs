//! One table per enum whose values are words in files and output: the variant, the word
//! and the doc line. [`named!`] turns it into the enum with serde naming it by that word,
//! `as_str`, `ALL`, `Display` and `FromStr`, so that a word is written once.

/// `named! { /// doc; #[derive(..)] pub enum Name { Variant = "word", ... } }`: the enum
/// (serialized as its words), `Name::ALL`, `as_str`, `Display` and `FromStr` (an unknown
/// word is `Err(())`).
macro_rules! named {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $word)] $variant, )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The word files and output use.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word,)* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ();

            fn from_str(word: &str) -> Result<$name, ()> {
                match word {
                    $($word => Ok($name::$variant),)*
                    _ => Err(()),
                }
            }
        }
    };
}

pub(crate) use named;
