// lists.js — lists: the filter builder, saved views, chosen columns, inline edit and bulk actions.
