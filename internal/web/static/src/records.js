// records.js — record pages: the timeline's composer, mentions and following.
