"""What coordinators read to steer the programme: figures and reports."""
