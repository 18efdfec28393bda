"""The demo region generator behind `manage.py seed_demo`.

One region of dealers over a span of months that tells the regional manager's story
(/work/shared/seed/README.md): NEV share rising, HV-certification gap closing, fill rate climbing,
complaints falling, tier-3/4 outlets with slow-moving stock. Each module has one job:

- data:       reference data (names, cities, vehicle models, operations, part templates, texts)
- story:      the story's curves over the period, in one place, with their targets
- clock:      region-local time, business hours, DB formatting of times and dates
- rows:       id allocation and fast history-less bulk inserts (executemany / COPY)
- identities: people's names, phone numbers, plates, VINs, company names
- org:        the region, dealers, users and memberships
- training:   technicians, certification types, courses, attendance, certifications
- catalogue:  the parts catalogue and the demand model (operation → parts)
- stock:      stocking plan, stock ledger, parts orders and transfers
- customers:  customers and vehicles, returning visits, fleets
- workshop:   work orders, labour and parts lines, status history
- feedback:   surveys and complaints
- targets:    output-value budgets per dealer and month
- generator:  the phases in order, in one transaction
"""
