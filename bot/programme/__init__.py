"""The programme: its settings, its coordinators, the call for volunteers."""
