//! A small order-processing library whose code sits behind dynamic flags, and whose tests (`tests/flags.rs`)
//! reach every path while `cargo test` runs them in parallel.
//!
//! - [`search`]: a fn gated on `fuzzy_search`, with a fallback;
//! - [`checkout_steps`]: a `match` on the variant of `checkout`, decided per user by rules;
//! - [`review`]: a pool of worker threads, each checking `fraud_check`;
//! - [`send_receipt`]: a thread it spawns, formatting by the variant of `receipt_format`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use flag_runtime::{Context, feature_flag, flag, variant};

// One enum per flag with variants, generated from flags.toml: `Checkout` and `ReceiptFormat`.
flag_runtime::flag_variants!();

pub use flag_variants::{Checkout, ReceiptFormat};

/// An order placed by a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Its number.
    pub id: u32,
    /// Who placed it, as they typed their name.
    pub customer: String,
    /// Its amount, in cents.
    pub cents: u64,
}

impl Order {
    /// An order of `cents` by `customer`.
    pub fn new(id: u32, customer: &str, cents: u64) -> Order {
        Order {
            id,
            customer: customer.to_owned(),
            cents,
        }
    }
}

/// The ids of the orders placed by exactly `customer`: what [`search`] does while `fuzzy_search` is off.
pub fn search_exact(orders: &[Order], customer: &str) -> Vec<u32> {
    orders
        .iter()
        .filter(|order| order.customer == customer)
        .map(|order| order.id)
        .collect()
}

/// The ids of the orders placed by `customer`; while `fuzzy_search` is on, ignoring case and spaces.
#[feature_flag("fuzzy_search", fallback = search_exact)]
pub fn search(orders: &[Order], customer: &str) -> Vec<u32> {
    let key = |name: &str| -> String {
        name.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = key(customer);
    orders
        .iter()
        .filter(|order| key(&order.customer) == wanted)
        .map(|order| order.id)
        .collect()
}

/// The pages of the checkout that `ctx`'s user goes through: one arm per variant of `checkout`, and the
/// classic checkout while the flag is off for them.
pub fn checkout_steps(ctx: &Context<'_>) -> &'static [&'static str] {
    match variant!("checkout", ctx) {
        Some(Checkout::TwoStep) => &["cart", "address and payment"],
        Some(Checkout::OnePage) => &["cart, address and payment"],
        None => &["cart", "address", "payment", "confirmation"],
    }
}

/// What [`review`] decided for an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted as it is.
    Approved,
    /// Held for a person to review: a large order, while `fraud_check` is on.
    Held,
}

/// Orders from this amount on are held while `fraud_check` is on.
pub const LARGE_ORDER_CENTS: u64 = 100_000;

/// Reviews `orders` on a pool of `workers` threads (at least one), each taking the next order and checking
/// `fraud_check` for it; returns one verdict per order, in order.
pub fn review(orders: &[Order], workers: usize) -> Vec<Verdict> {
    let next = AtomicUsize::new(0);
    let verdicts = Mutex::new(vec![Verdict::Approved; orders.len()]);
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(order) = orders.get(index) else {
                        return;
                    };
                    // Checked on this worker's thread, not on the caller's.
                    let verdict = if flag!("fraud_check") && order.cents >= LARGE_ORDER_CENTS {
                        Verdict::Held
                    } else {
                        Verdict::Approved
                    };
                    verdicts
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)[index] = verdict;
                }
            });
        }
    });
    verdicts
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Formats `order`'s receipt on a background thread, as the variant of `receipt_format` for its customer
/// says; the thread gives `None` while the flag is off (no receipt is sent).
pub fn send_receipt(order: Order) -> JoinHandle<Option<String>> {
    std::thread::spawn(move || {
        let ctx = Context::new().user_id(&order.customer);
        let total = format!("{}.{:02}", order.cents / 100, order.cents % 100);
        match variant!("receipt_format", &ctx) {
            Some(ReceiptFormat::Plain) => Some(format!("Order {}: {total}", order.id)),
            Some(ReceiptFormat::Html) => Some(format!("<p>Order <b>{}</b>: {total}</p>", order.id)),
            None => None,
        }
    })
}
