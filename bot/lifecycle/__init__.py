"""What happens to a pair's session once it is booked: its calendar invite."""
