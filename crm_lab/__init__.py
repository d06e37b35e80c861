"""CRM Lab: customer relationship management analytics for a Jupyter book.

Modules (one per topic): :mod:`~crm_lab.validate`, :mod:`~crm_lab.simulate`,
:mod:`~crm_lab.datasets`, :mod:`~crm_lab.customers`, :mod:`~crm_lab.segmentation`,
:mod:`~crm_lab.plots`.
"""

__version__ = "0.1.0"
