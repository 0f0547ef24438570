"""The built-in rules, one small module each, in the order they run.

Example:
    >>> [rule.id for rule in RULES][:3]
    ['LM001', 'LM002', 'LM003']
"""

from __future__ import annotations

from lineage.policy.rule import BuiltinRule
from lineage.policy.rules import (
    lm001_unapproved_processor,
    lm002_lethal_trifecta,
    lm003_untrusted_to_destructive,
    lm004_false_synthetic,
    lm005_prod_to_dev,
    lm006_unprotected_cache,
    lm007_sensitive_in_logs,
    lm008_weak_auth,
    lm009_literal_secrets,
    lm010_unpinned_launcher,
    lm011_auto_approved_writes,
    lm012_unused_grants,
    lm013_unknown_origin,
    lm014_new_flow,
    lm015_retained_by_vendor,
    lm016_undeclared_ai_output,
    lm017_sensitive_to_public,
    lm018_untrusted_in_prompt,
    lm019_trust_remote_code,
    lm020_unpinned_model,
    lm021_code_executing_model,
    lm022_vulnerable_component,
    lm023_unpinned_dependency,
    lm024_component_license,
    lm025_shadow_ai,
    lm026_sensitive_prompts,
    lm027_new_agent_tool,
)

RULES: tuple[BuiltinRule, ...] = (
    lm001_unapproved_processor.RULE,
    lm002_lethal_trifecta.RULE,
    lm003_untrusted_to_destructive.RULE,
    lm004_false_synthetic.RULE,
    lm005_prod_to_dev.RULE,
    lm006_unprotected_cache.RULE,
    lm007_sensitive_in_logs.RULE,
    lm008_weak_auth.RULE,
    lm009_literal_secrets.RULE,
    lm010_unpinned_launcher.RULE,
    lm011_auto_approved_writes.RULE,
    lm012_unused_grants.RULE,
    lm013_unknown_origin.RULE,
    lm014_new_flow.RULE,
    lm015_retained_by_vendor.RULE,
    lm016_undeclared_ai_output.RULE,
    lm017_sensitive_to_public.RULE,
    lm018_untrusted_in_prompt.RULE,
    lm019_trust_remote_code.RULE,
    lm020_unpinned_model.RULE,
    lm021_code_executing_model.RULE,
    lm022_vulnerable_component.RULE,
    lm023_unpinned_dependency.RULE,
    lm024_component_license.RULE,
    lm025_shadow_ai.RULE,
    lm026_sensitive_prompts.RULE,
    lm027_new_agent_tool.RULE,
)

__all__ = ["RULES"]
