"""What readers see: issue, paper, topic and recommender pages, search, related papers, feeds,
exports, and the read API. It builds on the models and the visibility rule, no other feature."""
