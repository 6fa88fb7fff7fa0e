//! Statements and `if`s whose condition becomes constant: the `if` replaced by the branch that runs (its
//! contents spliced into the enclosing block when that cannot change scoping) or removed, `else if` chains
//! shortened, and the string-API statements of [`api`](super::api) deleted.

use proc_macro2::TokenTree;
use quote::ToTokens;
use syn::visit::Visit;
use syn::{Block, Expr, ExprIf, Stmt};

use super::exprs::is_operand;
use super::{Fold, IfOutcome, Pos, Rewriter};
use crate::syntax;
use crate::text;

impl Rewriter<'_> {
    pub(super) fn visit_stmts(&mut self, stmts: &[Stmt]) {
        for (index, stmt) in stmts.iter().enumerate() {
            if self.api_statement(stmt, &stmts[index + 1..]).is_some() {
                continue;
            }
            if let Stmt::Expr(Expr::If(expr_if), semi) = stmt {
                let if_range = self.range(expr_if);
                let full = match semi {
                    Some(semi) => if_range.start..self.range(semi).end,
                    None => if_range.clone(),
                };
                let pos = Pos::Stmt {
                    had_semi: semi.is_some(),
                    is_last: index + 1 == stmts.len(),
                    indent: text::indentation_at(self.text, if_range.start).to_owned(),
                };
                match self.rewrite_if(expr_if, &pos) {
                    IfOutcome::Unchanged => {}
                    IfOutcome::Replace(new) => self.edit(full, new),
                    IfOutcome::Remove => {
                        // The `//` comments directly above describe the statement: they go with it.
                        let start = text::attached_comments_start(self.text, full.start);
                        let range = text::deletion_range(self.text, start..full.end);
                        self.edit(range, "");
                    }
                }
                continue;
            }
            self.visit_stmt(stmt);
        }
    }

    pub(super) fn rewrite_if(&mut self, expr_if: &ExprIf, pos: &Pos) -> IfOutcome {
        let keep_then = match self.fold(&expr_if.cond) {
            Fold::Const(value) => value,
            other => {
                if let Fold::Text(new, _) = other {
                    let cond = self.range(&*expr_if.cond);
                    self.edit(cond, new);
                }
                self.visit_block(&expr_if.then_branch);
                if let Some((_, else_expr)) = &expr_if.else_branch {
                    match &**else_expr {
                        Expr::If(nested) => match self.rewrite_if(nested, &Pos::Else) {
                            IfOutcome::Unchanged => {}
                            IfOutcome::Replace(new) => {
                                let range = self.range(nested);
                                self.edit(range, new);
                            }
                            IfOutcome::Remove => {
                                let start = self.range(&expr_if.then_branch).end;
                                let end = self.range(nested).end;
                                self.edit(start..end, "");
                            }
                        },
                        other => self.visit_expr(other),
                    }
                }
                return IfOutcome::Unchanged;
            }
        };
        let if_start = self.range(expr_if).start;
        if keep_then {
            self.change(
                if_start,
                "`if` whose condition is now always true: kept its block".to_owned(),
            );
            return self.kept_block(&expr_if.then_branch, pos);
        }
        match expr_if
            .else_branch
            .as_ref()
            .map(|(_, else_expr)| &**else_expr)
        {
            None => {
                self.change(
                    if_start,
                    "`if` whose condition is now always false, with no `else`: removed".to_owned(),
                );
                match pos {
                    Pos::Expr => IfOutcome::Replace("()".to_owned()),
                    _ => IfOutcome::Remove,
                }
            }
            Some(Expr::Block(else_block)) => {
                self.change(
                    if_start,
                    "`if` whose condition is now always false: kept its `else` block".to_owned(),
                );
                self.kept_block(&else_block.block, pos)
            }
            Some(Expr::If(nested)) => {
                self.change(
                    if_start,
                    "`if` whose condition is now always false: kept its `else if`".to_owned(),
                );
                let (outcome, edits) = self.capture(|this| this.rewrite_if(nested, pos));
                match outcome {
                    IfOutcome::Unchanged => {
                        let range = self.range(nested);
                        IfOutcome::Replace(self.render(range, &edits))
                    }
                    other => other,
                }
            }
            Some(other) => {
                self.visit_expr(other);
                IfOutcome::Unchanged
            }
        }
    }

    /// What an `if` becomes when `block` is the branch that always runs.
    pub(super) fn kept_block(&mut self, block: &Block, pos: &Pos) -> IfOutcome {
        let block_range = self.range(block);
        let ((), edits) = self.capture(|this| this.visit_block(block));
        let block_text = self.render(block_range, &edits);
        match pos {
            Pos::Else => IfOutcome::Replace(block_text),
            Pos::Expr => match block.stmts.as_slice() {
                [Stmt::Expr(tail, None)] if is_operand(tail) => {
                    IfOutcome::Replace(text::block_contents(&block_text, "", false))
                }
                _ => IfOutcome::Replace(block_text),
            },
            Pos::Stmt {
                had_semi,
                is_last,
                indent,
            } => {
                let contents =
                    text::block_contents(&block_text, indent, !has_multiline_literal(block));
                if contents.trim().is_empty() {
                    return IfOutcome::Remove;
                }
                let scoped = block
                    .stmts
                    .iter()
                    .any(|stmt| matches!(stmt, Stmt::Local(_) | Stmt::Item(_)));
                if scoped {
                    // Its `let`s and items would leak into the enclosing block: keep the braces.
                    return IfOutcome::Replace(if *had_semi {
                        format!("{block_text};")
                    } else {
                        block_text
                    });
                }
                let needs_semi = match block.stmts.last() {
                    Some(Stmt::Expr(tail, None)) => *had_semi || (!is_last && !is_block_like(tail)),
                    _ => false,
                };
                IfOutcome::Replace(if needs_semi {
                    format!("{contents};")
                } else {
                    contents
                })
            }
        }
    }
}

/// Whether `expr` ends with a block and so may stand as a statement without `;`.
pub(super) fn is_block_like(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::If(_)
            | Expr::Match(_)
            | Expr::Block(_)
            | Expr::Loop(_)
            | Expr::While(_)
            | Expr::ForLoop(_)
            | Expr::Unsafe(_)
            | Expr::Const(_)
            | Expr::TryBlock(_)
    )
}

/// Whether a literal inside `block` spans several lines: re-indenting would change its value.
pub(super) fn has_multiline_literal(block: &Block) -> bool {
    syntax::any_token(block.to_token_stream(), &|token| {
        matches!(token, TokenTree::Literal(literal)
            if literal.span().start().line != literal.span().end().line)
    })
}
