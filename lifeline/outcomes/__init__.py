"""What happens to a person after the contact: outcomes, assistance, exchanges, handovers."""
