"""jindu-quiz: an anti-drug education quiz for school students and their teachers."""

__version__ = "0.1.0"
