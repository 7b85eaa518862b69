"""For support staff: stored conversations, notes and labels, retention and erasure, the review pages."""
