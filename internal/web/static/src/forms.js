// forms.js — forms of deals, tasks and products: line items and the merge screen.
