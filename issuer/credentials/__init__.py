"""Awarding, issued credentials, status lists, sharing, VC-API issue and bulk award."""
