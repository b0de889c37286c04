//! Templating behaviour; expected values recorded from ansible-core 2.19
//! (`ansible-playbook -i localhost, -c local` with debug tasks).
