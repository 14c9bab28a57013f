"""Free, mobile and jihadi services in deprived and border areas, reimbursed by the Kanoon."""
