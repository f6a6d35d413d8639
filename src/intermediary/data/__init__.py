"""Versioned reference data shipped with the package (referral bodies, report categories)."""
